import ArgumentParser
import WorkflowModel

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check workflow files (Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow) for errors.",
        discussion: "Files given together are checked together: a templateRef resolves against the WorkflowTemplates among them. A folder means every .yaml, .yml and .json file under it."
    )

    @Argument(help: "Files or folders to check.")
    var paths: [String]

    func run() throws {
        let docs: [SourceDocument]
        do {
            docs = try InputFiles.load(paths)
        } catch {
            Terminal.printDiagnostics(error.items)
            throw ExitCode(1)
        }
        let problems = Linter.lint(docs)
        // Fields Skein accepts but does not act on yet: said, but not a failure.
        let ignored = IgnoredFields.warnings(docs, runtime: .cluster)
        if !ignored.isEmpty { Terminal.printDiagnostics(ignored, warning: true) }
        if !problems.isEmpty {
            Terminal.printDiagnostics(problems)
            Terminal.printError("\(problems.count) problem\(problems.count == 1 ? "" : "s") found")
            throw ExitCode(1)
        }
        let files = Set(docs.map(\.file)).count
        let warned = ignored.isEmpty ? "" : ", \(ignored.count) warning\(ignored.count == 1 ? "" : "s")"
        print("no problems found in \(docs.count) document\(docs.count == 1 ? "" : "s") (\(files) file\(files == 1 ? "" : "s")\(warned))")
    }
}
