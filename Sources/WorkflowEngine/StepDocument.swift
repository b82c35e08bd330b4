public import WorkflowModel

/// What a step's executor (the `init` and `wait` containers of its pod) needs to know,
/// as one compact JSON document: the controller writes it into the pod's `SKEIN_STEP`
/// environment variable and `skein executor` reads it back. Both sides use this type, so
/// the format has one definition.
public struct StepDocument: Sendable, Hashable {
    public var nodeID: String
    public var nodeName: String
    /// The Workflow the step belongs to: its task result is owned by it.
    public var workflowName: String
    public var workflowUID: String
    public var captureResult: Bool
    /// A script template's source, written to a file the main container runs.
    public var script: String?
    public var inputArtifacts: [InputArtifact]
    public var outputArtifacts: [OutputArtifact]
    public var outputParameters: [Parameter]
    /// `StepLaunch.logKey`.
    public var logKey: String?

    public init(launch: StepLaunch, workflowName: String, workflowUID: String) {
        nodeID = launch.nodeID
        nodeName = launch.nodeName
        self.workflowName = workflowName
        self.workflowUID = workflowUID
        captureResult = launch.captureResult
        script = launch.template.script?["source"]?.scalarText
        inputArtifacts = launch.inputArtifacts
        outputArtifacts = launch.outputArtifacts
        outputParameters = launch.outputParameters
        logKey = launch.logKey
    }

    /// The step as a `StepLaunch` for the output collector (its template carries the name only).
    public var launch: StepLaunch {
        var l = StepLaunch(nodeID: nodeID, nodeName: nodeName, displayName: nodeName, podName: "", template: Template(name: nodeName),
                           inputArtifacts: inputArtifacts, outputArtifacts: outputArtifacts, outputParameters: outputParameters,
                           captureResult: captureResult)
        l.logKey = logKey
        return l
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "nodeID": .string(nodeID),
            "nodeName": .string(nodeName),
            "workflow": .string(workflowName),
            "workflowUID": .string(workflowUID),
            "captureResult": .bool(captureResult),
        ]
        if let script { o["script"] = .string(script) }
        if let logKey { o["logKey"] = .string(logKey) }
        o["inputArtifacts"] = .array(inputArtifacts.map { a in
            var v: [String: JSONValue] = ["name": .string(a.name), "path": .string(a.path)]
            switch a.source {
            case .stored(let key): v["key"] = .string(key)
            case .raw(let data): v["raw"] = .string(data)
            case .http(let url, let headers):
                v["url"] = .string(url)
                if !headers.isEmpty {
                    v["headers"] = .array(headers.map { ["name": .string($0.name), "value": .string($0.value)] })
                }
            case .none: v["none"] = true
            }
            if let m = a.mode { v["mode"] = .int(m) }
            if let s = a.subPath { v["subPath"] = .string(s) }
            if let l = a.location, case .stored(let key) = a.source { v["s3"] = l.json(key: key) }
            if a.unzip { v["unzip"] = true }
            if a.recurseMode { v["recurseMode"] = true }
            if a.optional { v["optional"] = true }
            return .object(v)
        })
        o["outputArtifacts"] = .array(outputArtifacts.map { a in
            var v: [String: JSONValue] = ["name": .string(a.artifact.name), "path": .string(a.path), "key": .string(a.key),
                                          "archive": .bool(a.archive), "optional": .bool(a.optional)]
            if let g = a.artifact.globalName { v["globalName"] = .string(g) }
            if let gc = a.artifact.artifactGC { v["artifactGC"] = gc }
            if let l = a.location { v["s3"] = l.json(key: a.key) }
            return .object(v)
        })
        o["outputParameters"] = .array(outputParameters.map { p in
            var v: [String: JSONValue] = ["name": .string(p.name)]
            if let path = p.valueFrom?.path { v["path"] = .string(path) }
            if let d = p.valueFrom?.default?.value ?? p.default?.value { v["default"] = .string(d) }
            if let g = p.globalName { v["globalName"] = .string(g) }
            return .object(v)
        })
        return .object(o)
    }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Reads a document `json` wrote.
    public init(json: JSONValue) throws(FormatError) {
        func text(_ v: JSONValue?, _ what: String) throws(FormatError) -> String {
            guard let s = v?.stringValue else { throw FormatError(description: "SKEIN_STEP: \(what) is missing") }
            return s
        }
        func location(_ v: JSONValue?, _ what: String) throws(FormatError) -> S3Location? {
            do {
                return try S3Location.parse(v, field: what)
            } catch {
                throw FormatError(description: "SKEIN_STEP: \(error.description)")
            }
        }
        nodeID = try text(json["nodeID"], "nodeID")
        nodeName = try text(json["nodeName"], "nodeName")
        workflowName = try text(json["workflow"], "workflow")
        workflowUID = json["workflowUID"]?.stringValue ?? ""
        captureResult = json["captureResult"] == .bool(true)
        script = json["script"]?.stringValue
        logKey = json["logKey"]?.stringValue
        var inputs: [InputArtifact] = []
        for (i, a) in (json["inputArtifacts"]?.arrayValue ?? []).enumerated() {
            let name = try text(a["name"], "inputArtifacts[\(i)].name")
            let path = try text(a["path"], "inputArtifacts[\(i)].path")
            let source: InputArtifact.Source
            if let key = a["key"]?.stringValue {
                source = .stored(key: key)
            } else if let raw = a["raw"]?.stringValue {
                source = .raw(data: raw)
            } else if let url = a["url"]?.stringValue {
                let headers = (try? JSONValueDecoder().decode([HTTPArtifact.Header].self, from: a["headers"] ?? [])) ?? []
                source = .http(url: url, headers: headers)
            } else {
                source = .none
            }
            var mode: Int? = nil
            if case .int(let m)? = a["mode"] { mode = m }
            var input = InputArtifact(name: name, path: path, source: source, mode: mode)
            input.subPath = a["subPath"]?.stringValue
            input.location = try location(a["s3"], "inputArtifacts[\(i)].s3")
            input.unzip = a["unzip"] == .bool(true)
            input.recurseMode = a["recurseMode"] == .bool(true)
            input.optional = a["optional"] == .bool(true)
            inputs.append(input)
        }
        inputArtifacts = inputs
        var outputs: [OutputArtifact] = []
        for (i, a) in (json["outputArtifacts"]?.arrayValue ?? []).enumerated() {
            let name = try text(a["name"], "outputArtifacts[\(i)].name")
            let path = try text(a["path"], "outputArtifacts[\(i)].path")
            var artifact = Artifact(name: name, path: path)
            artifact.globalName = a["globalName"]?.stringValue
            artifact.artifactGC = a["artifactGC"]
            var output = OutputArtifact(artifact: artifact, path: path, key: try text(a["key"], "outputArtifacts[\(i)].key"),
                                        archive: a["archive"] != .bool(false), optional: a["optional"] == .bool(true))
            output.location = try location(a["s3"], "outputArtifacts[\(i)].s3")
            outputs.append(output)
        }
        outputArtifacts = outputs
        var params: [Parameter] = []
        for (i, p) in (json["outputParameters"]?.arrayValue ?? []).enumerated() {
            var v: [String: JSONValue] = ["name": .string(try text(p["name"], "outputParameters[\(i)].name"))]
            var from: [String: JSONValue] = [:]
            if let path = p["path"] { from["path"] = path }
            if let d = p["default"] { from["default"] = d }
            if !from.isEmpty { v["valueFrom"] = .object(from) }
            if let g = p["globalName"] { v["globalName"] = g }
            do {
                params.append(try JSONValueDecoder().decode(Parameter.self, from: .object(v)))
            } catch {
                throw FormatError(description: "SKEIN_STEP: outputParameters[\(i)]: \(error.message)")
            }
        }
        outputParameters = params
    }
}
