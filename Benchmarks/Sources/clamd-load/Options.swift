import Glibc

/// Where the daemon listens.
enum Endpoint: CustomStringConvertible {
    /// A UNIX domain socket (clamd's `LocalSocket`).
    case unix(path: String)
    /// A TCP address (clamd's `TCPAddr` and `TCPSocket`); the host may be a name.
    case tcp(host: String, port: String)

    var description: String {
        switch self {
        case .unix(let path): "unix:\(path)"
        case .tcp(let host, let port): "tcp:\(host):\(port)"
        }
    }
}

/// The command line, parsed.
struct Options {
    /// Where to connect.
    var endpoint: Endpoint
    /// Concurrent clients, one thread and at most one connection each.
    var clients = 1
    /// INSTREAM scans per client.
    var scans = 1000
    /// Payload size in bytes.
    var size = 4096
    /// Many scans per connection (`zIDSESSION` … `zEND`) instead of one connection per scan.
    var session = false
    /// Every scan sends the very same payload (by default each clean payload begins with its client's and scan's
    /// numbers, so that clamd's cache of clean content cannot answer it without scanning).
    var samePayload = false
    /// Every K-th scan of a client sends the EICAR test string and expects `FOUND`; 0: never.
    var eicarEvery = 0
    /// Bytes per INSTREAM chunk (clamdscan sends a little under 8 KiB).
    var chunk = 8192
    /// Seconds each blocking call of a scan (connect, send, receive) may wait before the scan fails.
    var timeout = 30.0
    /// The clients stop after this many failures in all (each at its next failure), so a dead server ends the run.
    var maxErrors = 1000
    /// A single command (`PING`, `VERSION`, `SHUTDOWN`, …) to send instead of a load: prints the reply.
    var command: String?

    static let usage = """
        usage: clamd-load (--unix PATH | --tcp HOST:PORT) [--clients N] [--scans M] [--size BYTES[K|M]]
                          [--session] [--eicar-every K] [--chunk BYTES[K|M]] [--timeout SECONDS]
                          [--same-payload] [--max-errors E]
               clamd-load (--unix PATH | --tcp HOST:PORT) --command NAME [--timeout SECONDS]
          N clients (threads) each run M INSTREAM scans of a deterministic clean payload of BYTES (its first 16
          bytes the client's and the scan's numbers, unless --same-payload, so that clamd's cache of clean
          content does not answer without scanning) and print
          one line: scans, errors, wall time, scans/s, MiB/s, p50/p99/max latency (connect to reply), the
          client's own CPU time. --session: one zIDSESSION connection per client, latency send to reply
          (a session's first scan includes the connect). --eicar-every K: every K-th scan of a client sends
          EICAR and expects FOUND. --chunk: INSTREAM chunk size (default 8K). --timeout: the longest a connect,
          send or receive may wait (default 30 s). --max-errors: stop after E failed scans in all (default 1000).
          --command NAME sends zNAME and prints the reply (exit 0 when there is one).
          Exit status: 0 all scans as expected, 1 some failed, 2 usage.
        """

    /// Parses `arguments` (without the program name); prints the usage and exits 2 on a mistake.
    static func parse(_ arguments: [String]) -> Options {
        var endpoint: Endpoint?
        var options = Options(endpoint: .unix(path: ""))
        var rest = arguments[...]
        func value(_ flag: String) -> String {
            guard let next = rest.popFirst() else { fail("\(flag) needs a value") }
            return next
        }
        func number(_ flag: String, min: Int) -> Int {
            let text = value(flag)
            guard let number = byteCount(text), number >= min else { fail("\(flag): bad number '\(text)'") }
            return number
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--unix": endpoint = .unix(path: value(flag))
            case "--tcp":
                let address = value(flag)
                guard let colon = address.lastIndex(of: ":") else { fail("--tcp wants HOST:PORT") }
                endpoint = .tcp(
                    host: String(address[..<colon]).trimmingBrackets,
                    port: String(address[address.index(after: colon)...]))
            case "--clients": options.clients = number(flag, min: 1)
            case "--scans": options.scans = number(flag, min: 1)
            case "--size": options.size = number(flag, min: 0)
            case "--session": options.session = true
            case "--same-payload": options.samePayload = true
            case "--eicar-every": options.eicarEvery = number(flag, min: 0)
            case "--chunk": options.chunk = number(flag, min: 1)
            case "--timeout":
                let text = value(flag)
                guard let seconds = Double(text), seconds > 0 else { fail("--timeout: bad number '\(text)'") }
                options.timeout = seconds
            case "--max-errors": options.maxErrors = number(flag, min: 1)
            case "--command": options.command = value(flag)
            case "-h", "--help":
                print(usage)
                exit(0)
            default: fail("unknown argument '\(flag)'")
            }
        }
        guard let endpoint else { fail("--unix PATH or --tcp HOST:PORT is required") }
        options.endpoint = endpoint
        return options
    }

    /// `4096`, `4K`, `1M` (binary multiples).
    static func byteCount(_ text: String) -> Int? {
        var digits = Substring(text)
        var scale = 1
        switch digits.last {
        case "k", "K": scale = 1 << 10
        case "m", "M": scale = 1 << 20
        default: break
        }
        if scale != 1 { digits = digits.dropLast() }
        return Int(digits).map { $0 * scale }
    }

    /// Prints `message` and the usage to standard error and exits with status 2.
    static func fail(_ message: String) -> Never {
        writeError("clamd-load: \(message)\n\(usage)\n")
        exit(2)
    }
}

extension String {
    /// `[::1]` → `::1`, so IPv6 literals can be written the usual way.
    fileprivate var trimmingBrackets: String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self
    }
}

/// Writes `text` to standard error, unbuffered.
func writeError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}
