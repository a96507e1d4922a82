import Foundation

/// Runs an executable to completion and returns its exit status, standard output and standard
/// error. Standard error goes to a scratch file (never a pipe), so a chatty child cannot block.
func run(_ executable: String, _ arguments: [String], scratchDir: String) -> (status: Int32, stdout: Data, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    let errPath = (scratchDir as NSString).appendingPathComponent("child.stderr")
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    guard let errHandle = FileHandle(forWritingAtPath: errPath) else { die("cannot create \(errPath)") }
    process.standardOutput = out
    process.standardError = errHandle
    do { try process.run() } catch { die("cannot run \(executable): \(error)") }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    // harmless: bench tooling; closing a handle after the child exited
    try? errHandle.close()
    // harmless: bench tooling; a missing stderr file is empty stderr
    let errText = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    return (process.terminationStatus, outData, errText)
}
