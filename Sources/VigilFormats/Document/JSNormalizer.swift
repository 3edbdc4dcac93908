import Glibc

/// libclamav's JavaScript normaliser (`jsparse/js-norm.c`): tokenises a script, renames the variables and
/// functions it declares to `n000`, `n001`, ... per scope, joins `"a" + "b"`, decodes `unescape("...")`,
/// `eval("...")`, scriptasylum's `dF("...")` and Dean Edwards' packer, and prints the tokens lowercased with
/// a blank only between two alphanumeric ones.
struct JSNormalizer {
    /// A function scope (`struct scope`).
    struct Scope {
        /// Names seen in the scope: the number of a declared one, -1 for one only used.
        var names: [[UInt8]: Int] = [:]
        /// The enclosing scope.
        var parent: Int?
        /// Where the scope is in a declaration.
        var fsm = FSM.base
        /// The last token read in the scope (a name after `.` is a member).
        var lastToken = JSTokenType.other
        /// Open `[` and `{` in the scope.
        var brackets = 0
        var blocks = 0
    }

    /// Where a scope is in a declaration (`enum fsm_state`).
    enum FSM { case base, insideVar, insideInitializer, waitFunctionName, waitParameterList, insideFunctionDecl }

    /// The number the next declaration gets.
    var nextNumber = 0
    /// Every scope, the global one first; and the current one.
    var scopes = [Scope()]
    var current = 0
    /// The tokenizer, which resumes across buffers.
    var scanner = JSScanner()
    /// The tokens read.
    var tokens: [JSToken] = []
    /// How deep decoded code is being read.
    var recursion = 0

    /// How many tokens are kept at most: about 45 bytes each, so that the scripts of the largest HTML file
    /// normalised stay within 512 MB of memory (clamscan goes on; its tokens are smaller).
    static let maximumTokens = 6_000_000

    /// `cli_js_process_buffer`: tokenises the next piece of script text.
    mutating func process(_ input: UnsafeBufferPointer<UInt8>) {
        var current = self.current
        scanner.start()
        while tokens.count < Self.maximumTokens, var token = scanner.next(input) {
            switch token.type {
            case .var:
                scopes[current].fsm = .insideVar
            case .identifier:
                // Share the scope's copy of a name seen before: a long script holds one array per name.
                var name = scanner.buffer
                if let index = scopes[current].names.index(forKey: name) { name = scopes[current].names.keys[index] }
                if scopes[current].lastToken == .dot {
                    token = JSToken(type: .unnormalizedIdentifier, value: .string(name))  // a member name
                } else {
                    token.value = .text(name)
                    switch scopes[current].fsm {
                    case .base, .insideInitializer, .waitParameterList:
                        if scopes[current].names[name] == nil { scopes[current].names[name] = -1 }
                    case .insideVar, .insideFunctionDecl:
                        declare(name, in: current)
                        scopes[current].fsm = .insideInitializer
                        scopes[current].brackets = 0
                    case .waitFunctionName:
                        declare(name, in: current)
                        scopes[current].fsm = .waitParameterList
                    }
                }
            case .parOpen:
                if [.waitFunctionName, .waitParameterList].contains(scopes[current].fsm) {
                    scopes[current].fsm = .insideFunctionDecl
                }
            case .parClose:
                if scopes[current].fsm == .waitParameterList { scopes[current].fsm = .base }
            case .curlyOpen:
                if [.waitFunctionName, .waitParameterList, .insideFunctionDecl].contains(scopes[current].fsm) {
                    scopes[current].fsm = .base
                }
                scopes[current].blocks += 1
            case .curlyClose:
                if scopes[current].blocks > 0 { scopes[current].blocks -= 1 }
                if scopes[current].blocks == 0, let parent = scopes[current].parent {
                    // The `}` then a marker that ends the function's scope.
                    tokens.append(token)
                    token = JSToken(type: .function, value: .scope(nil))
                    current = parent
                    self.current = parent
                }
            case .bracketOpen:
                scopes[current].brackets += 1
            case .bracketClose:
                if scopes[current].brackets > 0 { scopes[current].brackets -= 1 }
            case .comma:
                if scopes[current].fsm == .insideInitializer, scopes[current].brackets == 0, scopes[current].blocks == 0
                {
                    scopes[current].fsm = .insideVar
                }
            case .semicolon:
                if scopes[current].brackets == 0, scopes[current].blocks == 0 { scopes[current].fsm = .base }
            case .function:
                scopes.append(Scope(parent: self.current, fsm: .waitFunctionName))
                current = scopes.count - 1
                self.current = current
                token.value = .scope(current)
            case .string:
                // "a" + "b" is joined into one string.
                if let last = tokens.last, last.type == .plus, tokens.count >= 2,
                    tokens[tokens.count - 2].type == .string,
                    case .string(let previous) = tokens[tokens.count - 2].value,
                    case .string(let next) = token.value
                {
                    tokens.removeLast()
                    tokens[tokens.count - 1].value = .string((previous ?? []) + (next ?? []))
                    continue
                }
            default:
                break
            }
            tokens.append(token)
            scopes[current].lastToken = token.type == .function && token.value.isEndMarker ? .curlyClose : token.type
        }
    }

    /// `scope_declare`: gives a name the next number in `scope` (a redeclaration renumbers it).
    mutating func declare(_ name: [UInt8], in scope: Int) {
        scopes[scope].names[name] = nextNumber
        nextNumber += 1
    }

    /// `cli_js_parse_done`: closes an unfinished string and unbalanced parentheses, then runs the folders
    /// and decoders.
    mutating func finish() {
        switch scanner.state {
        case .doubleQuoted: [UInt8(ascii: "\"")].withUnsafeBufferPointer { process($0) }
        case .singleQuoted: [UInt8(ascii: "'")].withUnsafeBufferPointer { process($0) }
        default: break
        }
        var balance = 0
        for token in tokens {
            if token.type == .parOpen {
                balance += 1
            } else if token.type == .parClose, balance > 0 {
                balance -= 1
            }
        }
        for _ in 0..<balance { tokens.append(JSToken(type: .parClose, value: .text([UInt8(ascii: ")")]))) }
        foldUnescape()
        runDecoders()
    }
}

extension JSValue {
    /// Whether this is the marker token at a function's end.
    var isEndMarker: Bool {
        if case .scope(nil) = self { return true }
        return false
    }
}
