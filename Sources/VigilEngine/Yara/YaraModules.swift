/// The modules rules can import.
enum YaraModules {
    /// Every module, by name.
    static let all: [YaraModule] = [PEModule.module]
}
