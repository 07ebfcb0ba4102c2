internal import CCurlew

/// Sole owner of a `curl_slist` while it is being built: freed on every early exit, handed to
/// the ``CurlEasy`` that must keep it alive (libcurl does not copy lists) with ``take()``.
struct CurlSList: ~Copyable {
    private var head: UnsafeMutablePointer<curl_slist>?

    /// Builds the list with `curl_slist_append`, which copies each string.
    /// - Throws: ``CurlError`` with `.badFunctionArgument` for a string holding NUL, and
    ///   `.outOfMemory` when libcurl cannot allocate.
    init(_ strings: [String]) throws(CurlError) {
        head = nil
        for string in strings {
            guard !string.utf8.contains(0) else {
                throw CurlError(.badFunctionArgument, detail: "a list entry contains a NUL byte")
            }
            guard let appended = curl_slist_append(head, string) else {
                throw CurlError(.outOfMemory, detail: "curl_slist_append failed")
            }
            head = appended
        }
    }

    /// Gives up ownership: the caller frees the list with `curl_slist_free_all`.
    consuming func take() -> UnsafeMutablePointer<curl_slist>? {
        let list = head
        discard self
        return list
    }

    deinit { curl_slist_free_all(head) }

    /// Copies a list libcurl returned (and the caller owns) into Swift strings.
    static func strings(of list: UnsafeMutablePointer<curl_slist>?) -> [String] {
        var result: [String] = []
        var node = list
        while let current = node {
            if let data = current.pointee.data { result.append(String(cString: data)) }
            node = current.pointee.next
        }
        return result
    }
}
