import KubeAPI
import SkeinJSON

/// The simulator's own endpoints under `/skein-sim/`, for tools that cannot call the
/// Swift API (curl, skein-sim users, benchmarks). Bodies are JSON:
/// - `POST /skein-sim/fail` `{"verb":"get","resource":"pods","code":503,"count":2,"retryAfterSeconds":1}`
/// - `POST /skein-sim/delay` `{"verb":"list","resource":"pods","seconds":0.5,"count":1}`
/// - `POST /skein-sim/clear-faults`, `POST /skein-sim/drop-watches`, `POST /skein-sim/expire`
/// - `POST /skein-sim/pause`, `POST /skein-sim/resume`: API requests wait until resumed
/// - `POST /skein-sim/hold` `{"verb":"patch","resource":"workflows/status"}`: the next such
///   request waits until `POST /skein-sim/release` (which releases every such hold), and is
///   then applied; `GET /skein-sim/holds` lists them: `[{"arrived":true,"answered":200}]`
/// - `POST /skein-sim/restart` `{"seconds":2}`: the API server restarts with its store kept
///   (see `KubeSim.restart`)
enum Control {
    static func handle(_ what: String, _ arg: JSONValue, api: APIServer, kubelet: Kubelet) -> SimResponse? {
        let match = RequestMatch(verb: arg["verb"]?.stringValue, resource: arg["resource"]?.stringValue)
        func int(_ k: String) -> Int? { if case .int(let i)? = arg[k] { return i } else { return nil } }
        switch what {
        case "fail":
            guard let code = int("code") else { return .status(.badRequest("fail needs a \"code\"")) }
            api.faults.failNext(int("count") ?? 1, match, code: code, retryAfterSeconds: int("retryAfterSeconds"),
                                message: arg["message"]?.stringValue)
        case "delay":
            var s = 0.0
            if case .double(let d)? = arg["seconds"] { s = d }
            if case .int(let i)? = arg["seconds"] { s = Double(i) }
            api.faults.delay(s, match, count: int("count"))
        case "clear-faults": api.faults.clear()
        case "pause": api.faults.pause()
        case "resume": api.faults.resume()
        case "drop-watches": api.store.dropWatches()
        case "expire": api.store.compact()
        case "hold": _ = api.faults.holdFromControl(match)
        case "release": api.faults.releaseControlHolds()
        case "holds":
            return .json(200, .array(api.faults.controlHoldStates.map { s in
                ["arrived": .bool(s.arrived), "answered": s.answered.map { .int($0) } ?? .null]
            }))
        case "restart":
            var s = 1.0
            if case .double(let d)? = arg["seconds"] { s = d }
            if case .int(let i)? = arg["seconds"] { s = Double(i) }
            api.restart(downFor: s)
        default: return nil
        }
        return .success()
    }
}
