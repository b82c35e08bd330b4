import Foundation
import KubeAPI
import SkeinJSON

extension APIServer {
    func selectors(_ req: SimRequest) throws(Status) -> (LabelSelector, FieldSelector) {
        do throws(SelectorError) {
            let l = try LabelSelector(parsing: req.query["labelSelector"] ?? "")
            let f = try FieldSelector(parsing: req.query["fieldSelector"] ?? "")
            return (l, f)
        } catch {
            throw Status.badRequest(error.description)
        }
    }

    /// A list, optionally in pages: `limit` cuts it, and `continue` carries on after the
    /// last key of the previous page. The token names the resourceVersion of the first
    /// page; once the history is compacted past it the token expires (410). Pages show the
    /// objects as they are now (a real server reads them from a snapshot).
    func list(_ req: SimRequest, _ p: ResourcePath) throws(Status) -> SimResponse {
        let (labels, fields) = try selectors(req)
        var after: String?
        var listRV: Int?
        if let token = req.query["continue"], !token.isEmpty {
            guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8),
                  let colon = text.firstIndex(of: ":"), let rv = Int(text[..<colon]) else {
                throw Status.badRequest("continue key is not valid: illegal base64 data")
            }
            if rv < store.compactedThrough() {
                throw Status(code: 410, reason: "Expired",
                             message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
            }
            after = String(text[text.index(after: colon)...])
            listRV = rv
        }
        let (items, keys, rv) = store.list(p.resource, namespace: p.namespace, labels: labels, fields: fields, after: after)
        var page = items
        var meta: [String: JSONValue] = ["resourceVersion": .string(String(rv))]
        if let limit = req.int("limit"), limit > 0, items.count > limit {
            page = Array(items.prefix(limit))
            let token = "\(listRV ?? rv):\(keys[limit - 1])"
            meta["continue"] = .string(Data(token.utf8).base64EncodedString())
            meta["remainingItemCount"] = .int(items.count - limit)
        }
        if req.accept.contains("as=Table") {
            return .json(200, Table.make(p.resource, page.map { present($0, p) }, meta: meta))
        }
        return .json(200, ["kind": .string(p.resource.listKind), "apiVersion": .string(p.apiVersion),
                           "metadata": .object(meta), "items": .array(page.map { present($0, p) })])
    }

    func watch(_ req: SimRequest, _ p: ResourcePath) throws(Status) -> SimResponse {
        let (labels, fields) = try selectors(req)
        let filter = WatchFilter(resource: p.resource.groupResource, namespace: p.resource.namespaced ? p.namespace : nil,
                                 labels: labels, fields: fields, apiVersion: p.apiVersion)
        var from: Int?
        if let rvText = req.query["resourceVersion"], !rvText.isEmpty {
            guard let rv = Int(rvText) else { throw Status.badRequest("invalid resourceVersion \"\(rvText)\"") }
            from = rv
        }
        let stream: AsyncStream<WatchEvent>
        do throws(Status) {
            stream = try store.watch(filter, from: from).stream
        } catch {
            // Expired versions: the API server answers 200 and one ERROR event.
            let (s, c) = AsyncStream<WatchEvent>.makeStream()
            c.yield(WatchEvent(type: .error, object: error.json))
            c.finish()
            stream = s
        }
        let store = self.store
        return .watch(stream, timeoutSeconds: req.int("timeoutSeconds"), bookmarks: req.bool("allowWatchBookmarks"),
                      bookmarkRV: { store.currentRV }, apiVersion: p.apiVersion, kind: p.resource.kind)
    }
}

/// `kubectl get`'s server-side printing: a `Table` with the columns a real server shows
/// (name and age, pod readiness and phase, a CRD's additionalPrinterColumns).
enum Table {
    static func make(_ r: ServedResource, _ items: [JSONValue], meta: [String: JSONValue]) -> JSONValue {
        var columns: [JSONValue] = [column("Name", "string", "name")]
        var cells: [(JSONValue) -> JSONValue] = [{ .string($0.name ?? "") }]
        if r.plural == "pods" {
            columns += [column("Ready", "string", ""), column("Status", "string", ""), column("Restarts", "string", "")]
            cells.append { o in
                let cs = o["status"]?["containerStatuses"]?.arrayValue ?? []
                let n = o["spec"]?["containers"]?.arrayValue?.count ?? 0
                return .string("\(cs.filter { $0["ready"] == .bool(true) }.count)/\(n)")
            }
            cells.append { o in .string(o.metadata["deletionTimestamp"] != nil ? "Terminating" : podStatus(o)) }
            cells.append { o in
                let cs = o["status"]?["containerStatuses"]?.arrayValue ?? []
                let total = cs.reduce(0) { acc, c in if case .int(let n)? = c["restartCount"] { acc + n } else { acc } }
                return .string(String(total))
            }
        } else if r.plural == "namespaces" {
            columns.append(column("Status", "string", ""))
            cells.append { .string($0["status"]?["phase"]?.stringValue ?? "") }
        }
        // A CRD's printer columns are the columns, in its order (a `date` column shows an
        // age); only a kind without any gets the Age column, as the API server does.
        for c in r.printerColumns {
            let path = c.jsonPath.split(separator: ".").map(String.init)
            if c.type == "date" {
                columns.append(column(c.name, "string", "", priority: c.priority))
                cells.append { o in (o[path: path]?.stringValue).map { .string(age($0)) } ?? .null }
            } else {
                columns.append(column(c.name, c.type, "", priority: c.priority))
                cells.append { o in (o[path: path] ?? .null).scalarText.map { .string($0) } ?? .null }
            }
        }
        if r.printerColumns.isEmpty {
            columns.append(column("Age", "string", ""))
            cells.append { o in .string(age(o.metadata["creationTimestamp"]?.stringValue)) }
        }
        let rows: [JSONValue] = items.map { o in
            var partial: [String: JSONValue] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                                "metadata": o["metadata"] ?? [:]]
            partial["metadata"] = o["metadata"]
            return ["cells": .array(cells.map { $0(o) }), "object": .object(partial)]
        }
        return ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": .object(meta),
                "columnDefinitions": .array(columns), "rows": .array(rows)]
    }

    static func column(_ name: String, _ type: String, _ format: String, priority: Int = 0) -> JSONValue {
        ["name": .string(name), "type": .string(type), "format": .string(format), "description": "", "priority": .int(priority)]
    }

    static func podStatus(_ o: JSONValue) -> String {
        for c in o["status"]?["containerStatuses"]?.arrayValue ?? [] {
            if let w = c["state"]?["waiting"]?["reason"]?.stringValue { return w }
            if let t = c["state"]?["terminated"]?["reason"]?.stringValue, o["status"]?["phase"] == "Running" { return t }
        }
        if let reason = o["status"]?["reason"]?.stringValue { return reason }
        switch o["status"]?["phase"]?.stringValue {
        case "Succeeded"?: return "Completed"
        case "Failed"?: return "Error"
        case let p?: return p
        case nil: return "Pending"
        }
    }

    static func age(_ ts: String?) -> String {
        guard let ts, let d = Clock.parse(ts) else { return "<unknown>" }
        let s = Int(max(0, Date().timeIntervalSince(d)))
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        if s < 172_800 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }
}
