import Foundation

/// Where to find S3 and with which keys, read as the AWS CLI reads them: the environment
/// (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_DEFAULT_REGION`,
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_PROFILE`) first,
/// then the profile in `~/.aws/credentials` and `~/.aws/config` (or `AWS_SHARED_CREDENTIALS_FILE`
/// and `AWS_CONFIG_FILE`), then a web identity token and the instance metadata service
/// (`AWSCredentialProviders`).
public struct AWSConfiguration: Sendable, Equatable {
    public var endpointURL: String?
    public var region: String
    public var credentials: AWSCredentials?
    /// `AWS_CA_BUNDLE`, or the profile's `ca_bundle`: a PEM file to trust besides the system's.
    public var caBundle: String?
    /// Where the credentials came from, for messages ("the environment", "profile default in ~/.aws/credentials").
    public var credentialSource: String

    public static func resolve() -> AWSConfiguration { resolve(environment: ProcessInfo.processInfo.environment) }

    /// `fetchingCredentials: false` reads only the environment and the files (no STS, no
    /// instance metadata service).
    public static func resolve(environment env: [String: String], fetchingCredentials: Bool = true) -> AWSConfiguration {
        let home = env["HOME"] ?? NSHomeDirectory()
        let profile = env["AWS_PROFILE"] ?? env["AWS_DEFAULT_PROFILE"] ?? "default"
        let credentialsFile = env["AWS_SHARED_CREDENTIALS_FILE"] ?? home + "/.aws/credentials"
        let configFile = env["AWS_CONFIG_FILE"] ?? home + "/.aws/config"
        let fromCredentials = INIFile.section(profile, in: credentialsFile)
        let fromConfig = INIFile.section(profile == "default" ? "default" : "profile \(profile)", in: configFile)
        func setting(_ key: String) -> String? { fromCredentials[key] ?? fromConfig[key] }

        var credentials: AWSCredentials?
        var source = "none"
        if let id = env["AWS_ACCESS_KEY_ID"], let secret = env["AWS_SECRET_ACCESS_KEY"], !id.isEmpty {
            credentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: env["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 })
            source = "the environment (AWS_ACCESS_KEY_ID)"
        } else if let id = setting("aws_access_key_id"), let secret = setting("aws_secret_access_key") {
            credentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: setting("aws_session_token"))
            source = "profile \(profile) in \(fromCredentials["aws_access_key_id"] != nil ? credentialsFile : configFile)"
        }
        let endpoint = [env["AWS_ENDPOINT_URL_S3"], env["AWS_ENDPOINT_URL"], setting("endpoint_url")].compactMap { $0 }.first { !$0.isEmpty }
        let region = [env["AWS_REGION"], env["AWS_DEFAULT_REGION"], setting("region")].compactMap { $0 }.first { !$0.isEmpty } ?? "us-east-1"
        if credentials == nil, fetchingCredentials {
            // Then a web identity (IRSA), then the instance's role (IMDSv2), as AWS's SDKs go.
            for fetched in [AWSCredentialProviders.webIdentity(environment: env, region: region),
                            AWSCredentialProviders.instanceMetadata(environment: env)].compactMap({ $0 }) {
                source = fetched.source
                if let c = fetched.credentials {
                    credentials = c
                    break
                }
            }
        }
        let ca = [env["AWS_CA_BUNDLE"], setting("ca_bundle")].compactMap { $0 }.first { !$0.isEmpty }
        return AWSConfiguration(endpointURL: endpoint, region: region, credentials: credentials, caBundle: ca, credentialSource: source)
    }
}

/// The `key = value` lines of one `[section]` of an INI file (AWS's shared config format).
enum INIFile {
    static func section(_ name: String, in path: String) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        var inside = false
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                inside = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces) == name
                continue
            }
            guard inside, let eq = line.firstIndex(of: "=") else { continue }
            // Nested settings (`s3 =` followed by indented lines) are not read.
            if raw.first == " " || raw.first == "\t" { continue }
            out[line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()] = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }
}
