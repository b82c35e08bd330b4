import Foundation
import WorkflowExpressions

/// `skein lint`: every problem in the given documents, each with file, line and field path.
/// Also run before every `skein run`.
public enum Linter {
    /// Lint documents together: templates referenced by `templateRef` and
    /// `workflowTemplateRef` resolve against the WorkflowTemplates among them.
    public static func lint(_ docs: [SourceDocument]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        var library = LintLibrary()
        for d in docs where d.kind == .workflowTemplate || d.kind == .clusterWorkflowTemplate {
            let names = (d.raw["spec"]?["templates"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            library.add(name: d.raw["metadata"]?["name"]?.stringValue ?? "", cluster: d.kind == .clusterWorkflowTemplate,
                        templates: names, spec: d.raw["spec"])
        }
        for d in docs { out += lint(d, library: library) }
        return out
    }

    static func lint(_ d: SourceDocument, library: LintLibrary) -> [Diagnostic] {
        var ctx = LintContext(doc: d, library: library)
        ctx.checkFields(d.raw, KnownFields.workflow, at: .root)
        ctx.checkName()
        let specPath: FieldPath
        switch d.kind {
        case .workflow, .workflowTemplate, .clusterWorkflowTemplate:
            specPath = FieldPath([.key("spec")])
            guard d.raw["spec"] != nil else {
                ctx.error(.root, "spec is missing", fix: "add a spec with an entrypoint and templates")
                return ctx.diagnostics
            }
            do {
                let spec = try JSONValueDecoder().decode(WorkflowSpec.self, from: d.raw["spec"] ?? .null)
                ctx.checkSpec(spec, raw: d.raw["spec"] ?? .null, at: specPath)
            } catch {
                ctx.error(FieldPath(specPath.components + error.path.components), error.message)
            }
        case .cronWorkflow:
            let cron = d.raw["spec"] ?? .null
            ctx.checkFields(cron, KnownFields.cronSpec, at: FieldPath([.key("spec")]))
            specPath = FieldPath([.key("spec"), .key("workflowSpec")])
            do {
                let spec = try JSONValueDecoder().decode(CronWorkflowSpec.self, from: cron)
                if spec.schedule == nil && (spec.schedules ?? []).isEmpty {
                    ctx.error(FieldPath([.key("spec")]), "a CronWorkflow needs a schedule", fix: "add `schedules: [\"0 * * * *\"]` (Argo 3.6 and later; the single `schedule` is deprecated)")
                }
                Self.checkSchedules(spec, in: &ctx)
                if let name = d.raw["metadata"]?["name"]?.stringValue, let problem = CronSchedule.nameProblem(name) {
                    ctx.error(FieldPath([.key("metadata"), .key("name")]), problem, fix: "shorten the name")
                }
                ctx.checkSpec(spec.workflowSpec, raw: cron["workflowSpec"] ?? .null, at: specPath)
            } catch {
                ctx.error(FieldPath([.key("spec")] + error.path.components), error.message)
            }
        }
        return ctx.diagnostics
    }
}

extension Linter {
    /// Each schedule parses, in a time zone that exists, and runs at some time; the
    /// concurrency policy is one Argo knows.
    static func checkSchedules(_ spec: CronWorkflowSpec, in ctx: inout LintContext) {
        var schedules: [(String, FieldPath)] = []
        if let s = spec.schedule { schedules.append((s, FieldPath([.key("spec"), .key("schedule")]))) }
        for (i, s) in (spec.schedules ?? []).enumerated() {
            schedules.append((s, FieldPath([.key("spec"), .key("schedules"), .index(i)])))
        }
        for (text, path) in schedules {
            do {
                let schedule = try CronSchedule(text, timeZone: spec.timezone)
                if schedule.next(after: 0) == nil {
                    ctx.error(path, "the schedule '\(text)' never runs (no such day)", fix: "check the day of month against the month, e.g. February has no 30th")
                }
            } catch {
                let zone = spec.timezone.map { TimeZone(identifier: $0) == nil ? $0 : nil } ?? nil
                ctx.error(zone == nil ? path : FieldPath([.key("spec"), .key("timezone")]), error.description,
                          fix: zone == nil ? "write five fields, minute hour day-of-month month day-of-week, e.g. \"*/15 * * * *\", or @hourly, @daily, @every 10m" : nil)
                if zone != nil { return }
            }
        }
        if let p = spec.concurrencyPolicy, !["Allow", "Forbid", "Replace"].contains(p) {
            ctx.error(FieldPath([.key("spec"), .key("concurrencyPolicy")]), "'\(p)' is not a concurrency policy",
                      fix: "use Allow, Forbid or Replace")
        }
    }
}

/// The WorkflowTemplates known to a lint run, by name.
struct LintLibrary {
    var namespaced: [String: (templates: Set<String>, spec: JSONValue?)] = [:]
    var cluster: [String: (templates: Set<String>, spec: JSONValue?)] = [:]

    mutating func add(name: String, cluster isCluster: Bool, templates: [String], spec: JSONValue?) {
        if isCluster { cluster[name] = (Set(templates), spec) } else { namespaced[name] = (Set(templates), spec) }
    }

    func lookup(_ name: String, cluster isCluster: Bool) -> (templates: Set<String>, spec: JSONValue?)? {
        isCluster ? cluster[name] : namespaced[name]
    }
}
