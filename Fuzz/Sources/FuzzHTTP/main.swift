@_spi(Fuzzing) import VigilHTTP

/// Feeds arbitrary bytes to the HTTP API's multipart parser: the first line as the request's `Content-Type`, the
/// rest as its body. No input may trap, hang, put a part outside the body, or cost more than linear time.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = MultipartFuzzing.parse(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
