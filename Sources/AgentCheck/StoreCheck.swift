#if canImport(Glibc)
import Glibc
#endif

/// Item 7: the state folder and the durable store (`<state_dir>/store/<namespace>.json`).
///
/// Read-only throughout: it never creates the folders (the daemon makes them), never removes the
/// store's leftover temporary files, and tells "in use by the running agent" from the store lock
/// without taking it. Namespace files are parsed in either case (the store replaces them by
/// atomic rename, so a read never sees half a write).
enum StoreCheck {
    static func run(stateDir: String) async -> [CheckResult] {
        await Blocking.run { check(stateDir) }
    }

    static func check(_ stateDir: String) -> [CheckResult] {
        let folder: FileFacts
        do throws(CheckError) {
            folder = try FileFacts.of(stateDir)
        } catch {
            if error.code == .missing {
                return [
                    .warn(
                        .store, "the state folder \(stateDir) does not exist yet",
                        fix: "start the agent once (it creates it with mode 0700), or: install -d -m 0700 \(stateDir)")
                ]
            }
            return [.fail(.store, "the state folder: \(error.message)", fix: "run check as the agent's user (root)")]
        }
        guard folder.isDirectory else {
            return [.fail(.store, "state_dir \(stateDir) is not a folder", fix: "move the file away or set state_dir to a folder")]
        }
        var results: [CheckResult] = []
        if folder.groupOrOtherWritable {
            results.append(
                .fail(
                    .store, "the state folder \(stateDir) is writable by group or others (mode \(folder.modeText))",
                    fix: "chmod 700 \(stateDir)"))
        }
        let store = stateDir + "/store"
        // harmless: a store folder that cannot be looked at is one the agent has not made yet
        guard let storeFacts = try? FileFacts.of(store), storeFacts.isDirectory else {
            return results.isEmpty ? [.ok(.store, "\(stateDir) is safe; no store yet (the agent makes it at first start)")] : results
        }
        if storeFacts.groupOrOtherAccess {
            results.append(
                .warn(.store, "the store folder \(store) is open to group or others (mode \(storeFacts.modeText))", fix: "chmod 700 \(store)"))
        }
        let (count, problems) = checkNamespaces(store)
        results += problems
        guard !results.contains(where: { $0.status == .fail }) else { return results }
        let use: String
        switch StoreLock.state(of: store + "/.lock") {
        case .held(let pid): use = "in use by the running agent" + (pid.map { " (pid \($0))" } ?? "")
        case .free: use = "not in use (no agent running on it)"
        }
        return results + [.ok(.store, "\(store): \(count) namespace file(s) parse; \(use)")]
    }

    /// Parses every `<namespace>.json`; a corrupt file is a failure naming it.
    private static func checkNamespaces(_ store: String) -> (Int, [CheckResult]) {
        let names: [String]
        do throws(CheckError) { names = try FileFacts.list(store) } catch {
            return (0, [.fail(.store, "cannot list \(store): \(error.message)", fix: "run check as the agent's user (root)")])
        }
        var count = 0
        var results: [CheckResult] = []
        for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let path = store + "/" + name
            let namespace = String(name.dropLast(".json".count))
            count += 1
            let why: String?
            var quarantined: [(key: String, reason: String)] = []
            do throws(CheckError) {
                let bytes = try FileFacts.read(path)
                why = NamespaceFileCheck.problem(bytes, namespace: namespace)
                if why == nil { quarantined = NamespaceFileCheck.quarantined(bytes) }
            } catch { why = error.message }
            for q in quarantined {
                results.append(
                    .warn(
                        .store,
                        "plugin \(namespace) quarantined an unreadable record: \(NamespaceFileCheck.quarantinePrefix + q.key) (was \(q.key): \(q.reason))",
                        fix: "the agent runs without it; keep \(path) for a bug report, then stop the agent and delete that key from the file"))
            }
            if let why {
                results.append(
                    .fail(
                        .store, "store file \(path) is corrupt (\(why)); plugin \(namespace) cannot use its stored state",
                        fix: "stop the agent, then repair \(path) by hand or move it away (that plugin's namespace starts empty), and start the agent"))
            // harmless: a file that vanished since the listing has no mode to warn about
            } else if let facts = try? FileFacts.of(path), facts.groupOrOtherAccess {
                results.append(
                    .warn(.store, "store file \(path) is open to group or others (mode \(facts.modeText))", fix: "chmod 600 \(path)"))
            }
        }
        return (count, results)
    }
}
