import Glibc

/// libyara's `time` module: `now()`, the seconds since the Unix epoch.
enum YaraTimeModule {
    static let module = YaraModule(
        name: "time",
        schema: [
            "now": .function([
                YaraFunction([], .integer) { _ in
                    let now = time(nil)
                    return now == -1 ? nil : .integer(Int64(now))
                }
            ])
        ],
        load: { _ in [:] })
}
