/// The modules rules can import.
enum YaraModules {
    /// Every module, by name.
    static let all: [YaraModule] = [
        PEModule.module,
        YaraELFModule.module,
        YaraHashModule.module,
        YaraMathModule.module,
        YaraStringModule.module,
        YaraTimeModule.module,
        YaraConsoleModule.module,
    ]
}
