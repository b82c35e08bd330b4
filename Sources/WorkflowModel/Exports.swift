// JSONValue lives in SkeinJSON (shared with the Kubernetes API layer); everything that
// reads the model sees it through WorkflowModel.
@_exported public import SkeinJSON
