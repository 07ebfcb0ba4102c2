internal import LibCurl

extension HTTPClientMetrics {
    /// The metrics of a finished transfer, from what `CurlEasy.transferInfo()` read.
    init(_ info: CurlTransferInfo, tlsResumed: Bool?) {
        nameLookup = Double(info.nameLookupMicroseconds) / 1_000_000
        connect = Double(info.connectMicroseconds) / 1_000_000
        tlsHandshake = Double(info.appConnectMicroseconds) / 1_000_000
        firstByte = Double(info.startTransferMicroseconds) / 1_000_000
        total = Double(info.totalMicroseconds) / 1_000_000
        connectionReused = info.numConnects == 0
        tlsSessionResumed = tlsResumed
        redirectCount = info.redirectCount
        remoteAddress = info.primaryIP
        bodyBytesSent = Int(info.sizeUpload)
        bodyBytesReceived = Int(info.sizeDownload)
    }
}
