import Foundation
import KubeAPI
import Logging
import SkeinJSON
import Synchronization

/// Leader election on a `coordination.k8s.io/v1` Lease, for hot-standby controllers.
///
/// A candidate takes the lease when it is free, released, or not renewed for
/// `leaseDuration` as observed on this candidate's own clock (not the holder's
/// timestamps, so clock skew between machines does not matter), renews it every
/// `retryPeriod`, and gives up leadership when it could not renew for `renewDeadline`.
/// Stopping the elector (cancelling `run`) releases the lease so a standby takes over at
/// once instead of after `leaseDuration`.
public final class LeaderElector: Sendable {
    public struct Configuration: Sendable {
        public var leaseName: String
        public var namespace: String
        public var identity: String
        public var leaseDuration: Duration
        public var renewDeadline: Duration
        public var retryPeriod: Duration

        public init(leaseName: String, namespace: String, identity: String, leaseDuration: Duration = .seconds(15),
                    renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2)) {
            self.leaseName = leaseName
            self.namespace = namespace
            self.identity = identity
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
        }
    }

    public let configuration: Configuration
    private let client: KubeClient

    private struct State {
        var observed: LeaseRecord?
        var observedAt = ContinuousClock.now
        var leading = false
        var holder: String?
    }
    private let state = Mutex(State())

    public init(client: KubeClient, configuration: Configuration) {
        self.client = client
        self.configuration = configuration
    }

    public var isLeader: Bool { state.withLock { $0.leading } }
    /// The holder last seen on the lease (this candidate included).
    public var currentHolder: String? { state.withLock { $0.holder } }

    /// Campaigns until elected, runs `lead` while leading, and returns when leadership is
    /// lost (the lead task is cancelled first) or when the calling task is cancelled (the
    /// lease is then released). `onNewLeader` sees each change of holder.
    public func run(lead: @escaping @Sendable () async -> Void,
                    onNewLeader: @escaping @Sendable (String) -> Void = { _ in }) async {
        let c = configuration
        // Campaign.
        while !Task.isCancelled {
            if await tryAcquireOrRenew(onNewLeader: onNewLeader) { break }
            try? await Task.sleep(for: jittered(c.retryPeriod))
        }
        if Task.isCancelled { return }
        state.withLock { $0.leading = true }
        client.logger.info("\(c.identity) became the leader (lease \(c.namespace)/\(c.leaseName))")
        let leader = Task { await lead() }
        var lastRenew = ContinuousClock.now
        // Renew until cancelled or lost.
        while !Task.isCancelled {
            try? await Task.sleep(for: c.retryPeriod)
            if Task.isCancelled { break }
            if await tryAcquireOrRenew(onNewLeader: onNewLeader) {
                lastRenew = .now
            } else if ContinuousClock.now - lastRenew >= c.renewDeadline {
                client.logger.warning("\(c.identity) lost the lease \(c.namespace)/\(c.leaseName)")
                break
            }
        }
        leader.cancel()
        await leader.value
        state.withLock { $0.leading = false }
        if Task.isCancelled {
            // Our task is cancelled, which would cancel the release request too: release
            // from a task of its own.
            await Task { await self.release() }.value
        }
    }

    /// One attempt to take or renew the lease; true when this candidate holds it afterwards.
    func tryAcquireOrRenew(onNewLeader: @Sendable (String) -> Void) async -> Bool {
        let c = configuration
        let seconds = Int(c.leaseDuration.components.seconds)
        let lease: JSONValue
        do {
            lease = try await client.get(.leases, c.leaseName, namespace: c.namespace)
        } catch KubeError.notFound {
            let record = LeaseRecord.fresh(holder: c.identity, now: Date(), duration: seconds)
            let object: JSONValue = [
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": ["name": .string(c.leaseName), "namespace": .string(c.namespace)],
                "spec": record.spec,
            ]
            do {
                _ = try await client.create(.leases, object, namespace: c.namespace)
                observe(record, onNewLeader: onNewLeader)
                return true
            } catch {
                return false   // someone else created it first; try again next round
            }
        } catch {
            client.logger.debug("cannot read lease \(c.namespace)/\(c.leaseName): \(error)")
            return false
        }
        let record = LeaseRecord(spec: lease["spec"])
        observe(record, onNewLeader: onNewLeader)
        let (expired, mine): (Bool, Bool) = state.withLock { s in
            (ContinuousClock.now - s.observedAt >= c.leaseDuration, record.holderIdentity == c.identity)
        }
        if !mine, record.holderIdentity != nil, !expired { return false }
        var updated = lease
        let taken = record.taken(by: c.identity, now: Date(), duration: seconds)
        updated.set(path: ["spec"], to: taken.spec)
        do {
            _ = try await client.update(.leases, updated, namespace: c.namespace)
            observe(taken, onNewLeader: onNewLeader)
            return true
        } catch {
            return false   // 409: another candidate moved first
        }
    }

    /// Records what was seen; the lease's age is measured from when it last changed here.
    private func observe(_ record: LeaseRecord, onNewLeader: @Sendable (String) -> Void) {
        let newHolder: String? = state.withLock { s in
            if s.observed != record {
                s.observed = record
                s.observedAt = .now
            }
            if record.holderIdentity != s.holder {
                s.holder = record.holderIdentity
                return record.holderIdentity
            }
            return nil
        }
        if let h = newHolder { onNewLeader(h) }
    }

    /// Gives the lease up if this candidate holds it.
    public func release() async {
        let c = configuration
        guard let lease = try? await client.get(.leases, c.leaseName, namespace: c.namespace) else { return }
        let record = LeaseRecord(spec: lease["spec"])
        guard record.holderIdentity == c.identity else { return }
        var updated = lease
        updated.set(path: ["spec"], to: record.released(now: Date()).spec)
        _ = try? await client.update(.leases, updated, namespace: c.namespace)
    }

    private func jittered(_ d: Duration) -> Duration { d + d * Double.random(in: 0..<0.2) }
}
