import ArgumentParser
import Controller
import Foundation

struct CRDsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crds",
        abstract: "Print the CustomResourceDefinitions of Skein's kinds (apply them with kubectl apply -f -).")

    @Option(help: "API group of the kinds.")
    var group: String = CustomResourceDefinitions.defaultGroup

    @Option(help: ArgumentHelp("Write one file per kind into this directory instead of printing.", valueName: "dir"))
    var write: String?

    func run() throws {
        guard let dir = write else {
            print(CustomResourceDefinitions.yaml(group: group), terminator: "")
            return
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for k in CustomResourceDefinitions.kinds {
            let path = (dir as NSString).appendingPathComponent(k.fileName)
            try CustomResourceDefinitions.fileText(of: k, group: group).write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}
