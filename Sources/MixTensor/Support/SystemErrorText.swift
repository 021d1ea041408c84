import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Errors from Foundation and the C library as a user should read them: the POSIX reason
/// (`No such file or directory`, `Permission denied`), never an `Error Domain=... Code=...
/// UserInfo={...}` dump. Every message that reports a failed file operation or a failed
/// decoding goes through here.
package enum SystemErrorText {
    /// Why `error` happened, in a few words: the POSIX reason of a file error (from the
    /// error itself or the POSIX error underneath it), what did not decode and where for a
    /// `DecodingError`, and the description of any other error.
    package static func reason(_ error: any Error) -> String {
        if let decoding = error as? DecodingError { return reason(decoding) }
        if let posix = error as? POSIXError { return posixReason(posix.code.rawValue) }
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else {
            return String(describing: error)
        }
        if ns.domain == NSPOSIXErrorDomain { return posixReason(Int32(ns.code)) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return posixReason(Int32(underlying.code))
        }
        if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String, !detail.isEmpty { return detail }
        if let path = ns.userInfo[NSFilePathErrorKey] as? String, let diagnosis = diagnose(path: path) { return diagnosis }
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return posixReason(ENOENT)
        case .fileReadNoPermission, .fileWriteNoPermission: return posixReason(EACCES)
        case .fileWriteOutOfSpace: return posixReason(ENOSPC)
        case .fileWriteFileExists: return posixReason(EEXIST)
        case .fileWriteVolumeReadOnly: return posixReason(EROFS)
        case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding: return "not text in the expected encoding"
        case .fileReadCorruptFile, .propertyListReadCorrupt: return "the content is malformed"
        default:
            let text = ns.localizedDescription
            return text.contains("Domain") ? "the operation failed (Foundation error \(ns.code))" : text
        }
    }

    /// Why an operation on `path` cannot succeed, found by looking at the file system when
    /// Foundation did not say (it reports some failures, such as a file where a folder was
    /// expected, only as "error 512"): the nearest existing ancestor is not a folder, or is
    /// not writable and searchable. nil when nothing explains it.
    static func diagnose(path: String) -> String? {
        var ancestor = (path as NSString).deletingLastPathComponent
        var info = stat()
        while !ancestor.isEmpty && lstat(ancestor, &info) != 0 {
            if errno != ENOENT { return posixReason(errno) }
            let parent = (ancestor as NSString).deletingLastPathComponent
            if parent == ancestor { return nil }
            ancestor = parent
        }
        guard !ancestor.isEmpty else { return nil }
        if (info.st_mode & S_IFMT) == S_IFLNK, stat(ancestor, &info) != 0 { return posixReason(errno) }
        if (info.st_mode & S_IFMT) != S_IFDIR { return "\(ancestor) is not a directory (\(posixReason(ENOTDIR)))" }
        if access(ancestor, W_OK | X_OK) != 0 { return "\(ancestor): \(posixReason(errno))" }
        return nil
    }

    /// `reason(error)`, prefixed by the path Foundation reports for a file error when it
    /// is not `path` itself (a parent folder, a file inside the folder), so the message
    /// names the file that actually failed.
    package static func reason(_ error: any Error, operatingOn path: String) -> String {
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain, let failed = ns.userInfo[NSFilePathErrorKey] as? String,
           !failed.isEmpty, failed != path {
            return "\(failed): \(reason(error))"
        }
        return reason(error)
    }

    /// What did not decode, where (the key path, `$` for the top level), and why.
    package static func reason(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\(snakeCase($0.stringValue))" }.joined()
            return "$" + path
        }
        switch error {
        case let .typeMismatch(type, context):
            return "\(at(context)): expected \(typeName(type))"
        case let .valueNotFound(type, context):
            return "\(at(context)): expected \(typeName(type)), found null"
        case let .keyNotFound(key, context):
            return "\(at(context)): the key \"\(snakeCase(key.stringValue))\" is missing"
        case let .dataCorrupted(context):
            var text = context.codingPath.isEmpty ? "not valid JSON" : "\(at(context)): \(context.debugDescription)"
            if context.codingPath.isEmpty, let underlying = context.underlyingError {
                text += " (\(reason(underlying)))"
            }
            return text
        @unknown default:
            return String(describing: error)
        }
    }

    static func posixReason(_ code: Int32) -> String { String(cString: strerror(code)) }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type, is UInt64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type: "a string"
        default: "\(type)"
        }
    }

    /// `learningRate` -> `learning_rate` (the JSON spelling of MixRL's configuration keys).
    static func snakeCase(_ key: String) -> String {
        var out = ""
        for c in key {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }
}
