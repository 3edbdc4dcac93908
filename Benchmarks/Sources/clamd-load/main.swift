/// clamd-load: a load generator for clamd's INSTREAM protocol (real clamd and `vigil serve`).
/// Usage in ``Options/usage``; scripts/bench-serve runs it against both servers.
import Glibc

signal(SIGPIPE, SIG_IGN)
let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
guard let address = Address(options.endpoint) else { exit(2) }
if let command = options.command { exit(sendCommand(command, to: address, timeout: options.timeout)) }

let requests = Requests(size: options.size, chunk: options.chunk)
let log = ErrorLog(printLimit: 5, stopLimit: options.maxErrors)
let clients = (0..<options.clients).map {
    Client(number: $0, options: options, address: address, requests: requests, log: log)
}
let start = Clock.now
let threads = clients.map(startThread)
for thread in threads { pthread_join(thread, nil) }
let wall = Double(Clock.now - start) / 1e9

let summary = Summary(clients: clients, wall: wall, payloadSize: requests.payloadSize)
print(summary.line)
if summary.errors > 0 { writeError("clamd-load: failures by kind: \(summary.failureCounts)\n") }
if log.stopped { writeError("clamd-load: stopped after \(options.maxErrors) failures (--max-errors)\n") }
exit(summary.errors > 0 ? 1 : 0)
