import CCurl
import Glibc

/// libcurl's process-wide setup, done once before the first transfer (Swift runs a global's
/// initializer exactly once, even with several threads asking).
private let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

/// Downloads with libcurl, following redirects.
enum HTTPDownload {
    static func download(url: String, headers: [(name: String, value: String)], to file: String) throws(ArtifactError) {
        guard curlGlobalInit == CURLE_OK else {
            throw ArtifactError("cannot download '\(url)': libcurl failed to initialise (\(curlGlobalInit.rawValue))")
        }
        guard let handle = curl_easy_init() else {
            throw ArtifactError("cannot download '\(url)': libcurl could not start a transfer")
        }
        defer { curl_easy_cleanup(handle) }
        guard let out = fopen(file, "wb") else {
            throw ArtifactError("cannot download '\(url)': cannot create '\(file)': \(FileSystem.errnoText())")
        }
        var closed = false
        defer { if !closed { fclose(out) } }

        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers {
            list = curl_slist_append(list, "\(header.name): \(header.value)")
        }
        defer { curl_slist_free_all(list) }

        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buf in
            _ = skein_curl_setopt_string(handle, CURLOPT_URL, url)
            _ = skein_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1)
            _ = skein_curl_setopt_long(handle, CURLOPT_MAXREDIRS, 20)
            _ = skein_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            _ = skein_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, 60)
            _ = skein_curl_setopt_string(handle, CURLOPT_USERAGENT, "skein")
            if list != nil { _ = skein_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list) }
            // No write function: libcurl's default fwrite()s the body into the FILE* given as WRITEDATA.
            _ = skein_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, UnsafeMutableRawPointer(out))
            _ = skein_curl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(buf.baseAddress!))
            return curl_easy_perform(handle)
        }
        closed = true
        let closeFailed = fclose(out) != 0

        guard code == CURLE_OK else {
            let detail = errorBuffer[0] != 0
                ? String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                : String(cString: curl_easy_strerror(code))
            throw ArtifactError("cannot download '\(url)': \(detail)")
        }
        var status = 0
        _ = skein_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        if status >= 400 {
            throw ArtifactError("cannot download '\(url)': the server answered HTTP \(status)\(hint(status))")
        }
        if closeFailed {
            throw ArtifactError("cannot download '\(url)': writing '\(file)' failed: \(FileSystem.errnoText())")
        }
    }

    private static func hint(_ status: Int) -> String {
        switch status {
        case 401, 403: " (check the credentials or headers given for this artifact)"
        case 404: " (not found: check the URL)"
        default: ""
        }
    }
}
