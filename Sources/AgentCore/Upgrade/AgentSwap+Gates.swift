import AgentClock

extension AgentSwap {
    /// The agent's gate: a health report from a new process (other `started_at` than the one
    /// before the switch) with `connected` and self-check ok, within the deadline. Fails early
    /// when the new agent reports a failed self-check or the upgrader says it stopped.
    func agentGate(_ token: String, baseline: String?) async -> Failure? {
        let deadline = clock.now + .milliseconds(Int(plan.deadlineSeconds * 1000))
        var polls = 0
        while clock.now < deadline {
            if let h = health(), h.startedAt != baseline {
                if h.isHealthy {
                    log("the new agent (version \(h.version)) is connected and healthy")
                    return nil
                }
                if h.selfCheck == .failed {
                    return Failure("self_check_failed", "the new agent failed its self-check: \(h.failures.joined(separator: "; "))")
                }
            }
            polls += 1
            // harmless: a status that fails is asked again at the next poll; the deadline bounds the gate
            if polls % 4 == 0, let successor = try? await upgrader.status(token), !successor.running {
                let code = successor.exitCode.map(String.init) ?? "?"
                return Failure("new_agent_exited", "the new agent stopped (exit code \(code))")
            }
            do { try await clock.sleep(for: .milliseconds(Int(plan.pollSeconds * 1000))) } catch {
                return Failure("cancelled", "the upgrade was cancelled while waiting for the new agent")
            }
        }
        return Failure(
            "health_deadline",
            "the new agent was not connected and healthy within \(Int(plan.deadlineSeconds)) s"
                + (health().map { " (last report: connected \($0.connected), self_check \($0.selfCheck.rawValue))" } ?? ""))
    }

    /// Moves the netmon sidecar; its verdict as one line for `last.json`. Its gate: the new one
    /// still runs after `netmonSettleSeconds`.
    func moveNetmon(_ target: String, _ image: String) async -> String {
        let settle = plan.netmonSettleSeconds
        let upgrader = self.upgrader, clock = self.clock
        let outcome = await swap(target, to: image) { token in
            try? await clock.sleep(for: .milliseconds(Int(settle * 1000)))  // harmless: never cancelled; a settle pause
            let running: Bool
            do throws(ProtocolCallError) { running = try await upgrader.status(token).running } catch {
                return Failure("netmon_inspect_failed", "the new netmon's state could not be read: \(error.message)")
            }
            return running ? nil : Failure("netmon_exited", "the new netmon stopped within \(Int(settle)) s")
        }
        switch outcome.result {
        case .succeeded: return "succeeded"
        case .rolledBack: return "rolled_back: \(outcome.failure?.message ?? "")"
        case .failed where outcome.failure?.code == "target_not_found": return "skipped: \(target) not found"
        case .failed: return "failed: \(outcome.failure.map { "\($0.code): \($0.message)" } ?? "")"
        }
    }
}
