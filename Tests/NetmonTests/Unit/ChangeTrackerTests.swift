import NetmonCore
import Testing

@Suite struct ChangeTrackerTests {
    let probe = InterfaceTypeProbe.none

    func primed(debounce: Int64 = 300, maxDelay: Int64? = nil) -> (ChangeTracker, InterfaceTable) {
        let table = Fixture.table()
        var tracker = ChangeTracker(debounceMs: debounce, maxDelayMs: maxDelay)
        tracker.prime(table: table, probe: probe)
        return (tracker, table)
    }

    @Test func changeIsSentAfterTheQuietWindow() {
        var (tracker, table) = primed()
        table.apply(.newAddress(Fixture.addr(2, "10.1.0.2", 16)))
        #expect(tracker.changed(2, now: 1000, table: table, probe: probe).isEmpty)
        #expect(tracker.nextDeadline == 1300)
        #expect(tracker.due(now: 1299, table: table, probe: probe).isEmpty)
        let out = tracker.due(now: 1300, table: table, probe: probe)
        #expect(out.count == 1)
        guard case .up(let info)? = out.first else {
            Issue.record("expected an up change, got \(out)")
            return
        }
        #expect(info.addresses.map(\.address.description) == ["192.168.1.5", "10.1.0.2"])
        #expect(tracker.nextDeadline == nil)
    }

    @Test func eachEventExtendsTheWindowUpToTheCap() {
        var (tracker, table) = primed(debounce: 300, maxDelay: 1000)
        for (i, t) in stride(from: Int64(0), through: 1200, by: 200).enumerated() {
            table.apply(.newAddress(Fixture.addr(2, "10.1.0.\(i + 2)", 24)))
            _ = tracker.changed(2, now: t, table: table, probe: probe)
            if t == 200 { #expect(tracker.nextDeadline == 500) }
            if t < 1000 { #expect(tracker.due(now: t, table: table, probe: probe).isEmpty) }
        }
        // Events every 200 ms never leave a 300 ms gap: the cap (first event + 1 s) fires.
        #expect(tracker.nextDeadline == 1000)
        #expect(tracker.due(now: 1000, table: table, probe: probe).count == 1)
    }

    @Test func nothingIsSentWhenNothingChanged() {
        var (tracker, table) = primed()
        // An event that leaves the interface as it was (e.g. a route in another table).
        table.apply(.newAddress(Fixture.addr(2, "192.168.1.5", 24)))
        _ = tracker.changed(2, now: 0, table: table, probe: probe)
        #expect(tracker.due(now: 10_000, table: table, probe: probe).isEmpty)
        #expect(tracker.resync(table: table, probe: probe).isEmpty)
    }

    @Test func downIsSentAtOnceAndCancelsThePendingUp() {
        var (tracker, table) = primed()
        table.apply(.newAddress(Fixture.addr(2, "10.1.0.2", 16)))
        _ = tracker.changed(2, now: 0, table: table, probe: probe)
        table.apply(.newLink(Fixture.link(2, "eth0", up: false)))
        let out = tracker.changed(2, now: 50, table: table, probe: probe)
        #expect(out.count == 1)
        guard case .down(let info)? = out.first else {
            Issue.record("expected down, got \(out)")
            return
        }
        #expect(info.name == "eth0")
        #expect(tracker.nextDeadline == nil)
        // More events on the down link (its route goes, an address changes): the stub is unchanged.
        table.apply(.delRoute(Fixture.defaultRoute(2, via: "192.168.1.1")))
        #expect(tracker.changed(2, now: 60, table: table, probe: probe).isEmpty)
        table.apply(.delAddress(Fixture.addr(2, "10.1.0.2", 16)))
        #expect(tracker.changed(2, now: 70, table: table, probe: probe).isEmpty)
        #expect(tracker.resync(table: table, probe: probe).isEmpty)
    }

    @Test func removedIsSentAtOnceOnlyForKnownInterfaces() {
        var (tracker, table) = primed()
        table.apply(.delLink(index: 2))
        let out = tracker.changed(2, now: 0, table: table, probe: probe)
        #expect(out.count == 1)
        if case .removed(let info)? = out.first { #expect(info.name == "eth0") } else { Issue.record("got \(out)") }
        // Again (a late duplicate event): nothing.
        #expect(tracker.changed(2, now: 1, table: table, probe: probe).isEmpty)
        // A link that appears and vanishes inside one debounce window was never sent: nothing.
        table.apply(.newLink(Fixture.link(9, "eth9")))
        #expect(tracker.changed(9, now: 2, table: table, probe: probe).isEmpty)
        table.apply(.delLink(index: 9))
        #expect(tracker.changed(9, now: 3, table: table, probe: probe).isEmpty)
        #expect(tracker.due(now: 10_000, table: table, probe: probe).isEmpty)
    }

    @Test func newDownLinkIsAnnouncedAtOnce() {
        var (tracker, table) = primed()
        table.apply(.newLink(Fixture.link(7, "eth7", up: false)))
        let out = tracker.changed(7, now: 0, table: table, probe: probe)
        #expect(out.map(\.index) == [7])
        if case .down = out.first {} else { Issue.record("expected down, got \(out)") }
    }

    @Test func resyncRepairsMissedEventsAndSkipsOpenWindows() {
        var (tracker, table) = primed()
        // Changes the tracker never heard of (lost to ENOBUFS).
        table.apply(.newAddress(Fixture.addr(3, "10.9.0.2", 24)))
        table.apply(.delLink(index: 4))
        // And one interface with an open window.
        table.apply(.newAddress(Fixture.addr(2, "10.1.0.2", 16)))
        _ = tracker.changed(2, now: 0, table: table, probe: probe)
        let out = tracker.resync(table: table, probe: probe)
        #expect(out.map(\.index) == [3, 4])
        if case .up(let i) = out[0] { #expect(i.addresses.count == 1) } else { Issue.record("got \(out)") }
        if case .removed = out[1] {} else { Issue.record("got \(out)") }
        // A second resync finds nothing new.
        #expect(tracker.resync(table: table, probe: probe).isEmpty)
        // The open window still fires.
        #expect(tracker.due(now: 300, table: table, probe: probe).map(\.index) == [2])
    }

    @Test func zeroDebounceSendsAtOnce() {
        var (tracker, table) = primed(debounce: 0)
        table.apply(.newAddress(Fixture.addr(2, "10.1.0.2", 16)))
        #expect(tracker.changed(2, now: 0, table: table, probe: probe).map(\.index) == [2])
        #expect(tracker.nextDeadline == nil)
    }

    @Test func renameSendsRemovedForTheOldName() {
        var (tracker, table) = primed(debounce: 0)
        table.apply(.newLink(Fixture.link(2, "lan0")))
        let out = tracker.changed(2, now: 0, table: table, probe: probe)
        #expect(out.count == 2)
        if case .removed(let old) = out[0] { #expect(old.name == "eth0") } else { Issue.record("got \(out)") }
        if case .up(let new) = out[1] { #expect(new.name == "lan0") } else { Issue.record("got \(out)") }
    }

    @Test func backToTheSameStateIsNotNews() {
        var (tracker, table) = primed()
        table.apply(.newAddress(Fixture.addr(2, "10.1.0.2", 16)))
        _ = tracker.changed(2, now: 0, table: table, probe: probe)
        table.apply(.delAddress(Fixture.addr(2, "10.1.0.2", 16)))
        _ = tracker.changed(2, now: 100, table: table, probe: probe)
        #expect(tracker.due(now: 1000, table: table, probe: probe).isEmpty)
    }
}
