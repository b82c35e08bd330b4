/// Argo's deterministic naming: node ids and pod names derive from node names, so a
/// restarted controller recomputes the same names and never starts a step twice.
public enum NodeNaming {
    /// 32-bit FNV-1a of the UTF-8 bytes.
    public static func fnv32a(_ s: String) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for b in s.utf8 {
            h ^= UInt32(b)
            h = h &* 16_777_619
        }
        return h
    }

    /// The root node's id is the workflow's name; every other id is `<workflow>-<fnv32a(node name)>`.
    public static func nodeID(workflow: String, nodeName: String) -> String {
        if nodeName == workflow { return workflow }
        return "\(workflow)-\(fnv32a(nodeName))"
    }

    /// Kubernetes' limit for a name that is also used as a label value and hostname.
    public static let maxPodNameLength = 63

    /// `<workflow>-<template>-<fnv32a(node name)>`, the prefix cut so the whole stays within 63
    /// characters; the root node's pod is named after the workflow.
    public static func podName(workflow: String, nodeName: String, templateName: String?) -> String {
        if nodeName == workflow { return workflow }
        let hash = String(fnv32a(nodeName))
        var prefix = workflow
        if let t = templateName, !t.isEmpty, !nodeName.contains(".inline") { prefix += "-" + t }
        let room = maxPodNameLength - hash.count - 1
        if prefix.count > room { prefix = String(prefix.prefix(room)) }
        while prefix.hasSuffix("-") || prefix.hasSuffix(".") { prefix.removeLast() }
        return "\(prefix)-\(hash)"
    }
}
