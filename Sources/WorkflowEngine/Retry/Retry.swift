import WorkflowExpressions
import WorkflowModel

extension WorkflowExecution {
    /// A template with `retryStrategy`: a Retry node whose children `name(0)`, `name(1)`...
    /// are the attempts; a failed attempt is retried while the policy, the limit, the
    /// expression and the backoff's maxDuration allow.
    func executeRetry(_ req: ExecRequest, _ resolved: ResolvedTemplate, _ inputs: Inputs) -> NodeStatus? {
        let nid = id(of: req.nodeName)
        let strategy = resolved.template.retryStrategy ?? spec.retryStrategy ?? RetryStrategy()
        if nodes[nid] == nil {
            if workflowFailure != nil, !req.isExitWork { return nil }
            createNode(name: req.nodeName, displayName: req.displayName, type: .retry, templateName: resolved.name,
                       boundaryID: req.boundaryID, parentID: req.parentID, inputs: inputs, templateRef: resolved.ref)
        }
        guard let retryNode = nodes[nid] else { return nil }
        if retryNode.phase.isFulfilled { return retryNode }
        let attempts = retryNode.children ?? []

        func attemptRequest(_ n: Int) -> ExecRequest {
            var r = req
            r.nodeName = "\(req.nodeName)(\(n))"
            r.displayName = "\(req.displayName)(\(n))"
            r.parentID = nid
            r.retryAttempt = n
            r.nodeFlag = NodeFlag(hooked: req.nodeFlag?.hooked, retried: true)
            r.onExit = nil
            r.hooks = nil
            if strategy.affinity?["nodeAntiAffinity"] != nil {
                // Argo's nodeAntiAffinity: not on a host where an earlier attempt ran.
                var hosts: [String] = []
                for id in attempts.prefix(n) {
                    if let h = nodes[id]?.hostNodeName, !h.isEmpty, !hosts.contains(h) { hosts.append(h) }
                }
                r.avoidNodes = hosts
            }
            return r
        }

        var lastNode: NodeStatus?
        if let last = attempts.last {
            lastNode = execute(attemptRequest(attempts.count - 1)) ?? nodes[last]
        }
        if let last = lastNode, !last.phase.isFulfilled { return nodes[nid] }
        if let last = lastNode {
            if last.phase == .succeeded || last.phase == .skipped || last.phase == .omitted {
                var n = nodes[nid]
                n?.outputs = last.outputs
                if let n { nodes[nid] = n }
                setPhase(nid, last.phase == .succeeded ? .succeeded : last.phase, message: last.message)
                publishGlobalOutputs(of: nid)
                return nodes[nid]
            }
            let decision: RetryDecision
            do {
                decision = try retryDecision(strategy, attempts: attempts.count, last: last, first: nodes[attempts[0]],
                                             scope: localScope(req, inputs: inputs))
            } catch {
                setPhase(nid, .error, message: error.message)
                return nodes[nid]
            }
            switch decision {
            case .stop(let message):
                var n = nodes[nid]
                n?.outputs = last.outputs
                if let n { nodes[nid] = n }
                setPhase(nid, last.phase, message: message ?? last.message)
                publishGlobalOutputs(of: nid)
                return nodes[nid]
            case .wait(let until):
                if now < until {
                    wake(nid, at: until)
                    return nodes[nid]
                }
            case .now:
                break
            }
        }
        if workflowFailure != nil, !req.isExitWork {
            if let last = lastNode {
                setPhase(nid, last.phase, message: last.message)
            }
            return nodes[nid]
        }
        guard let child = execute(attemptRequest(attempts.count)) else { return nodes[nid] }
        addChild(nid, child.id)
        if child.phase.isFulfilled {
            // An attempt that ends at once (an error before it ran): decide again now.
            markDirty(nid)
            dirty.insert(child.id)
            return executeRetryAgain(req, resolved, inputs)
        }
        return nodes[nid]
    }

    /// Guard against unbounded recursion when attempts end immediately.
    func executeRetryAgain(_ req: ExecRequest, _ resolved: ResolvedTemplate, _ inputs: Inputs) -> NodeStatus? {
        let nid = id(of: req.nodeName)
        guard let n = nodes[nid], (n.children?.count ?? 0) < 1000 else {
            setPhase(nid, .error, message: "too many retries")
            return nodes[nid]
        }
        return executeRetry(req, resolved, inputs)
    }

    /// Argo's transient errors, judged on the node's message: API throttling, quota races,
    /// server timeouts and unavailability, and network failures; plus whatever
    /// `TRANSIENT_ERROR_PATTERN` (a regular expression the runtime passes on) matches.
    func isTransient(_ message: String) -> Bool {
        let m = message.lowercased()
        let phrases = [
            "exceeded quota", "operation cannot be fulfilled on resourcequota", "resource quota evaluation timed out",
            "too many requests", "the server is currently unable to handle the request", "service unavailable",
            "the server was unable to return a response in the time allotted", "net/http: tls handshake timeout",
            "i/o timeout", "connection timed out", "connection reset by peer", "http2: client connection lost",
            "connect: connection refused", "unexpected eof", "transient",
        ]
        if phrases.contains(where: { m.contains($0) }) { return true }
        guard let pattern = transientErrorPattern, !pattern.isEmpty, let regex = try? Regex(pattern) else { return false }
        return (try? regex.firstMatch(in: message)) != nil
    }

    enum RetryDecision {
        case stop(String?)
        case wait(Timestamp)
        case now
    }

    func retryDecision(_ s: RetryStrategy, attempts: Int, last: NodeStatus, first: NodeStatus?, scope: Scope) throws(EngineFailure) -> RetryDecision {
        // The policy: which failures are retried. Argo's default is OnFailure.
        let policy = s.retryPolicy ?? "OnFailure"
        let retryable: Bool
        switch policy {
        case "Always": retryable = true
        case "OnFailure": retryable = last.phase == .failed
        case "OnError": retryable = last.phase == .error
        case "OnTransientError":
            retryable = last.phase.isFailure && isTransient(last.message ?? "")
        default:
            throw EngineFailure("retryPolicy '\(policy)' is not one of Always, OnFailure, OnError, OnTransientError")
        }
        if !retryable { return .stop(nil) }
        if let limit = s.limit {
            let n: Int
            switch limit {
            case .int(let i): n = i
            case .string(let text):
                let t = try substitute(text, scope: scope, field: "retryStrategy.limit")
                guard let i = Int(t) else { throw EngineFailure("retryStrategy.limit '\(t)' is not a whole number") }
                n = i
            }
            if attempts > n { return .stop("No more retries left") }
        }
        if let expr = s.expression {
            let duration = (last.finishedAt?.seconds ?? now.seconds) - (last.startedAt?.seconds ?? now.seconds)
            let extra: [String: ExprValue] = [
                "lastRetry.exitCode": .string(last.outputs?.exitCode ?? "-1"),
                "lastRetry.status": .string(last.phase.rawValue),
                "lastRetry.duration": .string(JSONValue.double(duration).scalarText ?? "0"),
                "lastRetry.message": .string(last.message ?? ""),
            ]
            let v = try evaluateExpression(expr, scope: scope, dialect: .expr, extra: extra)
            if !v.isTruthy { return .stop("retryStrategy.expression evaluated false") }
        }
        guard let b = s.backoff else { return .now }
        guard let base = try seconds(b.duration, scope: scope, field: "retryStrategy.backoff.duration") else { return .now }
        let factor = try seconds(b.factor, scope: scope, field: "retryStrategy.backoff.factor") ?? 1
        var wait = base * pow(factor, Double(attempts - 1))
        if let cap = try seconds(b.cap, scope: scope, field: "retryStrategy.backoff.cap") { wait = min(wait, cap) }
        // A factor compounds: many attempts would overflow any timer.
        if !(wait <= Durations.longest) { wait = Durations.longest }
        let finished = last.finishedAt ?? now
        if let maxDuration = try seconds(b.maxDuration, scope: scope, field: "retryStrategy.backoff.maxDuration"),
           let firstStart = first?.startedAt
        {
            if finished.seconds + wait - firstStart.seconds > maxDuration {
                return .stop("Max duration limit exceeded")
            }
        }
        return .wait(finished.adding(wait))
    }

    func seconds(_ v: IntOrString?, scope: Scope, field: String) throws(EngineFailure) -> Double? {
        guard let v else { return nil }
        switch v {
        case .int(let i): return Double(i)
        case .string(let s):
            let text = try substitute(s, scope: scope, field: field)
            guard let d = WorkflowExecution.parseDuration(text) else {
                throw EngineFailure(Durations.problem(text, field: field, example: "10s or 2m") ?? "\(field) '\(text)' is not a duration")
            }
            return d
        }
    }

    func pow(_ b: Double, _ e: Double) -> Double {
        var r = 1.0
        var i = 0
        while Double(i) < e {
            r *= b
            i += 1
        }
        return r
    }
}
