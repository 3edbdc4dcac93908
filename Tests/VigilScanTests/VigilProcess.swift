import Foundation
import VigilTestSupport

/// Runs the built `vigil` executable as a user would, capturing its output and exit status.
struct VigilRun {
    var status: Int32
    /// Standard output as written, byte for byte (a path that is not UTF-8 stays as it is).
    var stdoutBytes: [UInt8]
    var stderr: String
    /// Standard output as text.
    var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
}

enum Vigil {
    /// The `vigil` binary beside the test bundle (SwiftPM builds it because the tests depend on it).
    static var executable: String {
        let bundle =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: bundle).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("vigil").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("vigil").path
    }

    /// Runs `vigil ARGS` with `$VIGIL_DATABASE` cleared (unless given) and standard input from `input`.
    static func run(
        _ arguments: [String], input: [UInt8]? = nil, environment: [String: String] = [:],
        currentDirectory: String? = nil
    ) throws -> VigilRun {
        try runProgram(
            executable, arguments, input: input, environment: environment, currentDirectory: currentDirectory)
    }

    /// Runs any program the same way (`setpriv`, `script` wrapping vigil).
    static func runProgram(
        _ program: String, _ arguments: [String], input: [UInt8]? = nil,
        environment: [String: String] = [:], currentDirectory: String? = nil
    ) throws -> VigilRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["VIGIL_DATABASE"] = nil
        env.merge(environment) { $1 }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe()
        let err = Pipe()
        let inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        if let input { inp.fileHandleForWriting.write(Data(input)) }
        try inp.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return VigilRun(
            status: process.terminationStatus, stdoutBytes: [UInt8](outData),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
