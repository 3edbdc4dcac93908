/// The named character references libclamav's HTML normaliser decodes (`entitylist.h`, read from
/// libclamav 1.4.6): 743 names, case-sensitive, each with its UTF-16 code unit.
enum HTMLEntities {
    /// The code unit of each name.
    static let values: [[UInt8]: UInt16] = {
        var table: [[UInt8]: UInt16] = [:]
        table.reserveCapacity(768)
        let words = source.joined(separator: " ").split(separator: " ")
        var index = 0
        while index + 1 < words.count {
            table[Array(words[index].utf8)] = UInt16(words[index + 1]) ?? 0
            index += 2
        }
        return table
    }()

    /// `name value` pairs, separated by blanks (a pair may span two lines).
    private static let source: [String] = [
        "rsaquo 8250 Kcy 1050 emsp13 8196 clubs 9827 Tau 932 bcong 8780 ocirc 244 Upsilon 933 ape 8778 dashv",
        "8867 hairsp 8202 piv 982 plus 43 psi 968 frac13 8531 sube 8838 aacgr 940 vDash 8872 Eta 919 boxUr",
        "9561 euro 8364 dblac 733 spades 9824 gel 8923 frac15 8533 Eacgr 904 rArr 8658 dollar 36 Acirc 194",
        "ang90 8735 scaron 353 djcy 1106 lcy 1083 Dot 168 sol 47 blk34 9619 numero 8470 osol 8856 nbsp 160",
        "supe 8839 NJcy 1034 sharp 9839 gcy 1075 mid 8739 drcrop 8972 shchcy 1097 sim 8764 puncsp 8200 tau",
        "964 boxDR 9556 agrave 224 boxVr 9567 Aring 197 boxDr 9555 dgr 948 ssmile 8995 ltrie 8884 boxHU 9577",
        "ne 8800 ang 8736 pre 10927 bump 8782 there4 8756 nu 957 thetas 952 Ocy 1054 lceil 8968 jnodot 106",
        "bumpe 8783 dlcrop 8973 leg 8922 bsol 92 idigr 970 boxVh 9579 sqcup 8852 gimel 8503 Omega 937 upsi",
        "965 eta 951 frac38 8540 kgr 954 Ocirc 212 yacy 1103 horbar 8213 Idigr 938 bottom 8869 rarr 8594 reg",
        "174 xdtri 9661 Igr 921 Bcy 1041 prod 8719 cuesc 8927 uArr 8657 Mgr 924 flat 9837 acute 180 sum 8721",
        "DJcy 1026 Eacute 201 larr 8592 Pgr 928 lArr 8656 natur 9838 Euml 203 Nu 925 ecolon 8789 cross 10007",
        "ljcy 1113 alpha 945 dscy 1109 dagger 8224 THgr 920 conint 8750 Xi 926 Sigma 931 angsph 8738 boxvl",
        "9508 Auml 196 lsquor 8218 squf 9642 ordm 186 Jukcy 1028 THORN 222 boxuL 9563 prime 8242 cedil 184",
        "kjcy 1116 hearts 9829 xutri 9651 DScy 1029 cir 9675 Omicron 927 colon 58 darr 8595 macr 175 uplus",
        "8846 gl 8823 ges 10878 Icirc 206 telrec 8981 bernou 8492 frac45 8536 dot 729 bcy 1073 ell 8467 zwj",
        "8205 Oacute 211 acy 1072 zwnj 8204 mdash 8212 Vcy 1042 nldr 8229 rfloor 8971 Epsilon 917 Pi 928",
        "verbar 124 ldot 8918 top 8868 part 8706 lE 8806 lpar 40 eacgr 941 die 168 ogr 959 bepsi 1014 utrif",
        "9652 kcy 1082 ocir 8858 curren 164 permil 8240 omega 969 efDot 8786 le 8804 block 9608 odash 8861",
        "prsim 8830 smile 8995 xcirc 9711 els 10901 Rgr 929 sigmav 962 Ggr 915 Ugrave 217 lowbar 95 bsim 8765",
        "Egrave 200 ssetmn 8726 shy 173 divonx 8903 boxul 9496 fflig 64256 ouml 246 Otilde 213 micro 181 sdot",
        "8901 squ 9633 bgr 946 Zeta 918 ffilig 64259 bull 8226 boxhD 9573 lg 8822 sigmaf 962 YIcy 1031 oline",
        "8254 njcy 1114 pgr 960 middot 183 omicron 959 pcy 1087 asymp 8776 blk12 9618 Oslash 216 semi 59",
        "plusmn 177 lowast 8727 Sgr 931 divide 247 inodot 305 mu 956 pr 8826 becaus 8757 lfloor 8970 square",
        "9633 les 10877 mcy 1084 gt 62 lgr 955 ograve 242 Alpha 913 Verbar 8214 or 8744 Rho 929 coprod 8720",
        "frac34 190 rx 8478 hyphen 8208 sext 10038 fcy 1092 boxhu 9524 loz 9674 PSgr 936 Uacgr 910 Bgr 914",
        "dcy 1076 iacute 237 radic 8730 Xgr 926 male 9794 drcorn 8991 Iacute 205 sfrown 8994 Dagger 8225",
        "SOFTcy 1068 cap 8745 sup3 179 eeacgr 942 lsqb 91 harr 8596 Cap 8914 rpar 41 angst 8491 image 8465",
        "Iuml 207 boxUl 9564 twixt 8812 Prime 8243 Yuml 376 epsilon 949 Zgr 918 upsih 978 beta 946 ogon 731",
        "Pcy 1055 Ll 8920 ubrcy 1118 ohm 8486 half 189 ycy 1099 para 182 bprime 8245 esdot 8784 Ubrcy 1038",
        "boxVR 9568 boxVl 9570 nsub 8836 gammad 989 incare 8453 rdquo 8221 oacute 243 EEgr 919 idiagr 912 tcy",
        "1090 wreath 8768 boxhd 9516 dtri 9663 ffllig 64260 nabla 8711 yicy 1111 caret 8257 empty 8709 gamma",
        "947 Ncy 1053 psgr 968 rho 961 iff 8660 boxdR 9554 rtri 9657 Tcy 1058 frac25 8534 acirc 226 Ngr 925",
        "phgr 966 sccue 8829 star 9734 aacute 225 malt 10016 Chi 935 comma 44 delta 948 szlig 223 blank 9251",
        "OHgr 937 setmn 8726 trade 8482 dlcorn 8990 rlm 8207 lt 60 boxdL 9557 kappav 1008 ltimes 8905 Ucirc",
        "219 sgr 963 perp 8869 shcy 1096 boxh 9472 notin 8713 trie 8796 urcrop 8974 AElig 198 boxHu 9575",
        "boxVL 9571 frac16 8537 hArr 8660 Ecy 1069 aleph 8501 sbquo 8218 Jcy 1049 Iukcy 1030 icirc 238 intcal",
        "8890 dzcy 1119 Ntilde 209 Ugr 933 amp 38 egr 949 equiv 8801 agr 945 boxDL 9559 iukcy 1110 ominus",
        "8854 forall 8704 supE 10950 igr 953 rpargt 10644 sfgr 962 Ecirc 202 hardcy 1098 cuvee 8910 lozf",
        "10731 boxvr 9500 boxdl 9488 models 8871 IOcy 1025 boxvh 9532 frac56 8538 utri 9653 Yacute 221 uarr",
        "8593 boxVH 9580 colone 8788 YUcy 1070 rthree 8908 crarr 8629 uacgr 973 amalg 10815 Jsercy 1032 apos",
        "39 cupre 8828 prap 10935 Rcy 1056 thinsp 8201 oelig 339 eegr 951 tdot 8411 gap 10886 Lcy 1051 igrave",
        "236 DZcy 1039 boxur 9492 boxvR 9566 circ 710 fork 8916 Gg 8921 vcy 1074 auml 228 zeta 950 caron 711",
        "Cup 8915 deg 176 bsime 8909 oast 8859 boxvL 9569 thksim 8764 jsercy 1112 Ouml 214 rdquor 8221 ugrave",
        "249 eth 240 Lgr 923 rgr 961 Acy 1040 ni 8715 Iacgr 906 khcy 1093 thkap 8776 chcy 1095 udiagr 944",
        "frac35 8535 gsim 8819 OElig 338 raquo 187 sung 9834 rsqb 93 frasl 8260 tprime 8244 atilde 227 phi",
        "966 iocy 1105 num 35 lthree 8907 Sub 8912 DotDot 8412 sstarf 8902 frac12 189 ulcrop 8975 gjcy 1107",
        "Barwed 8966 boxUR 9562 boxhU 9576 SHcy 1064 Atilde 195 egs 10902 odot 8857 thetasym 977 Aacgr 902 gE",
        "8807 tgr 964 tshcy 1115 KHgr 935 sbsol 65128 Mu 924 jukcy 1108 Scy 1057 boxHd 9572 mnplus 8723 ucy",
        "1091 percnt 37 uuml 252 yucy 1102 target 8982 ETH 208 rhov 1009 lambda 955 thgr 952 Mcy 1052 boxdr",
        "9484 sup2 178 boxDl 9558 marker 9646 rang 9002 breve 728 ecirc 234 pi 960 dArr 8659 frown 8994 rceil",
        "8969 blk14 9617 sqsup 8848 aelig 230 xgr 958 fllig 64258 yen 165 cuepr 8926 rsquo 8217 Uuml 220 Agr",
        "913 yacute 253 Icy 1048 ucirc 251 rtrie 8885 egrave 232 copy 169 cuwed 8911 starf 9733 thetav 977",
        "Zcy 1047 Lambda 923 ohgr 969 filig 64257 epsiv 949 iecy 1077 frac18 8539 ldquor 8222 phone 9742",
        "lsaquo 8249 LJcy 1033 dtrif 9662 sqsube 8849 KHcy 1061 subE 10949 boxUL 9565 quot 34 phmmat 8499",
        "uhblk 9600 ugr 965 sect 167 vellip 8942 boxuR 9560 ast 42 period 46 laquo 171 planck 8463 samalg",
        "8720 smid 8739 upsilon 965 prop 8733 brvbar 166 sqsupe 8850 spar 8741 HARDcy 1066 par 8741 eDot 8785",
        "sime 8771 udigr 971 ggr 947 gsdot 8919 Ogr 927 lcub 123 epsi 1013 YAcy 1071 scy 1089 Aacute 193",
        "hybull 8259 urcorn 8989 jcy 1081 uml 168 PHgr 934 uacute 250 lrm 8206 lagran 8466 mgr 956 boxV 9553",
        "ring 730 xi 958 frac58 8541 Upsi 978 rsquor 8217 emsp14 8197 times 215 sqcap 8851 zhcy 1078 lsquo",
        "8216 dash 8208 rtimes 8906 lpargt 10656 Udigr 939 female 9792 plusdo 8724 otilde 245 rcub 125 ecir",
        "8790 diam 8900 wedgeq 8793 isin 8712 order 8500 Fcy 1060 TSHcy 1035 yuml 255 fnof 402 excl 33 timesb",
        "8864 Igrave 204 lhblk 9604 ulcorn 8988 int 8747 ltrif 9666 Gt 8811 ldquo 8220 KJcy 1036 sup 8835 Gcy",
        "1043 ZHcy 1046 Theta 920 comp 8705 sce 10928 chi 967 Kappa 922 Vvdash 8874 boxv 9474 zcy 1079 and",
        "8743 thorn 254 cire 8791 equals 61 ecy 1101 tscy 1094 boxH 9552 Ccedil 199 Ycy 1067 Tgr 932 frac23",
        "8532 sqsub 8847 sup1 185 angmsd 8737 CHcy 1063 GJcy 1027 Oacgr 908 OHacgr 911 grave 96 Uacute 218",
        "zgr 950 ge 8805 barwed 8965 emsp 8195 ohacgr 974 Lt 8810 iuml 239 compfn 8728 phiv 966 rtrif 9656",
        "bowtie 8904 tilde 732 Beta 914 Scaron 352 ordf 170 eacute 233 scsim 8831 vprop 8733 otimes 8855 Dcy",
        "1044 nexist 8708 commat 64 euml 235 Ograve 210 diams 9830 beth 8502 scap 10936 frac14 188 Iota 921",
        "check 10003 minusb 8863 Agrave 192 erDot 8787 lap 10885 TScy 1062 vprime 8242 SHCHcy 1065 epsis 1013",
        "lang 9001 boxvH 9578 infin 8734 oplus 8853 ngr 957 pound 163 frac78 8542 oacgr 972 quest 63 phis 981",
        "ncy 1085 ensp 8194 gEl 10892 cong 8773 Vdash 8873 vltri 8882 iota 953 EEacgr 905 iquest 191 Sup 8913",
        "hamilt 8459 oS 9416 ocy 1086 Delta 916 Dgr 916 not 172 ndash 8211 sub 8834 softcy 1100 mldr 8230",
        "copysr 8471 iacgr 943 rcy 1088 vdash 8866 sc 8827 Egr 917 alefsym 8501 ntilde 241 cent 162 sdotb",
        "8865 ap 8776 lsim 8818 daleth 8504 veebar 8891 rect 9645 aring 229 Ucy 1059 minus 8722 hellip 8230",
        "lEg 10891 iexcl 161 numsp 8199 oslash 248 real 8476 Kgr 922 weierp 8472 vrtri 8883 bdquo 8222 Psi",
        "936 exist 8707 ccedil 231 icy 1080 kappa 954 cup 8746 ltri 9667 IEcy 1045 Phi 934 boxHD 9574 khgr",
        "967 sigma 963 Gamma 915 theta 952 plusb 8862",
    ]
}
