import KubeAPI
import SkeinJSON

/// The simulator's own endpoints under `/skein-sim/`, for tools that cannot call the
/// Swift API (curl, skein-sim users, benchmarks). Bodies are JSON:
/// - `POST /skein-sim/fail` `{"verb":"get","resource":"pods","code":503,"count":2,"retryAfterSeconds":1}`
/// - `POST /skein-sim/delay` `{"verb":"list","resource":"pods","seconds":0.5,"count":1}`
/// - `POST /skein-sim/clear-faults`, `POST /skein-sim/drop-watches`, `POST /skein-sim/expire`
/// - `POST /skein-sim/pause`, `POST /skein-sim/resume`: API requests wait until resumed
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
        default: return nil
        }
        return .success()
    }
}
