package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"mall/services/platform/rpcerr"
)

// Defaults of the request limits. Every RPC of the mall is unary and its
// largest legitimate request (a product with its description) is a few
// kilobytes, so a megabyte leaves room without letting one request cost
// much memory.
const (
	DefaultMaxRequestBytes    = 1 << 20
	DefaultRequestReadTimeout = 10 * time.Second
)

// envelopeHeader is the length of the gRPC and gRPC-Web message prefix: a
// flags byte and a big-endian message length.
const envelopeHeader = 5

// Reasons of the refusals written before Connect sees a request.
const (
	ReasonRequestTooLarge    = "REQUEST_TOO_LARGE"
	ReasonRequestTooSlow     = "REQUEST_TOO_SLOW"
	ReasonMalformedEnvelope  = "MALFORMED_ENVELOPE"
	refusedTooLarge          = "too_large"
	refusedTooSlow           = "too_slow"
	refusedMalformedEnvelope = "malformed_envelope"
	refusedUnreadable        = "unreadable"
)

var requestsRefused = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "mall_http_requests_refused_total",
	Help: "Requests refused before any handler ran, by reason (too_large, too_slow, malformed_envelope, unreadable).",
}, []string{"reason"})

// limitRequests reads every request body in full before the handlers run:
// at most maxBytes on the wire (plus one envelope header), within
// readTimeout of the handler starting. An RPC's message is also held to
// maxBytes after decompression by Connect's read limit (HandlerOptions).
// Reading up front keeps slow or oversized bodies away from the protocol
// code, and lets a malformed gRPC or gRPC-Web envelope be answered as the
// client's fault (invalid_argument) instead of the internal error Connect
// reports for it. Every RPC here is unary or server-streaming (one request
// message either way), so holding it in memory is what Connect would do
// anyway.
//
// A procedure whose client streams (server reflection) cannot be read up
// front: its body is only capped, and Connect's per-message limit applies.
func limitRequests(next http.Handler, maxBytes int64, readTimeout time.Duration) http.Handler {
	errorWriter := connect.NewErrorWriter()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Body == nil || r.Body == http.NoBody) && !enveloped(r) {
			next.ServeHTTP(w, r)
			return
		}
		if clientStreams(r.URL.Path) {
			r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
			next.ServeHTTP(w, r)
			return
		}
		if r.Body == nil {
			r.Body = http.NoBody
		}
		if r.ContentLength > maxBytes+envelopeHeader {
			refuse(w, r, errorWriter, refusedTooLarge, tooLarge())
			return
		}
		controller := http.NewResponseController(w)
		_ = controller.SetReadDeadline(time.Now().Add(readTimeout))
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes+envelopeHeader))
		// Cleared at once: on HTTP/1.1 the connection's background read
		// would otherwise hit the deadline while a slow handler runs and
		// cancel its context.
		_ = controller.SetReadDeadline(time.Time{})
		if err != nil {
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				refuse(w, r, errorWriter, refusedTooLarge, tooLarge())
			case isTimeout(err):
				refuse(w, r, errorWriter, refusedTooSlow, rpcerr.New(connect.CodeDeadlineExceeded, ReasonRequestTooSlow,
					"the request body was not received in time"))
			default: // the client went away or broke the framing
				requestsRefused.WithLabelValues(refusedUnreadable).Inc()
			}
			return
		}
		if enveloped(r) {
			if code, reason, message := checkEnvelope(body, maxBytes, r.Header.Get("Grpc-Encoding")); code != 0 {
				label := refusedMalformedEnvelope
				if reason == ReasonRequestTooLarge {
					label = refusedTooLarge
				}
				refuse(w, r, errorWriter, label, rpcerr.New(code, reason, message))
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

func tooLarge() *connect.Error {
	return rpcerr.New(connect.CodeResourceExhausted, ReasonRequestTooLarge, "the request is larger than the limit")
}

func refuse(w http.ResponseWriter, r *http.Request, errorWriter *connect.ErrorWriter, label string, err *connect.Error) {
	requestsRefused.WithLabelValues(label).Inc()
	if errorWriter.IsSupported(r) {
		_ = errorWriter.Write(w, r, err)
		return
	}
	status := http.StatusBadRequest
	switch err.Code() {
	case connect.CodeResourceExhausted:
		status = http.StatusRequestEntityTooLarge
	case connect.CodeDeadlineExceeded:
		status = http.StatusRequestTimeout
	}
	http.Error(w, err.Message(), status)
}

// clientStreams reports a procedure ("/package.Service/Method") whose
// client sends a stream of messages: one the registered contracts declare
// so, or one they do not know, such as server reflection (its handler
// brings descriptors of its own). Every other path is read up front.
func clientStreams(path string) bool {
	service, method, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok || !strings.Contains(service, ".") {
		return false // not a procedure: a plain HTTP route
	}
	desc, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		return strings.HasPrefix(service, "grpc.reflection.")
	}
	sd, ok := desc.(protoreflect.ServiceDescriptor)
	if !ok {
		return false
	}
	md := sd.Methods().ByName(protoreflect.Name(method))
	return md != nil && md.IsStreamingClient()
}

// isTimeout reports a read that hit its deadline.
func isTimeout(err error) bool {
	var timeout interface{ Timeout() bool }
	return errors.As(err, &timeout) && timeout.Timeout()
}

// enveloped reports a gRPC or gRPC-Web request, whose body is a length-prefixed message.
// Media types are case-insensitive, and Connect reads them so: a check
// that was not would let "Application/grpc" past it.
func enveloped(r *http.Request) bool {
	contentType := strings.ToLower(r.Header.Get("Content-Type"))
	return strings.HasPrefix(contentType, "application/grpc") && !strings.HasPrefix(contentType, "application/grpc-web-text")
}

// checkEnvelope checks that body is exactly one message in a well-formed
// envelope (unary calls carry one), within the size limit, and compressed
// only when the client named an encoding. It returns code 0 when it is.
func checkEnvelope(body []byte, maxBytes int64, encoding string) (connect.Code, string, string) {
	if len(body) < envelopeHeader {
		return connect.CodeInvalidArgument, ReasonMalformedEnvelope, "the message envelope is incomplete"
	}
	flags, length := body[0], int64(binary.BigEndian.Uint32(body[1:envelopeHeader]))
	switch {
	case length > maxBytes:
		return connect.CodeResourceExhausted, ReasonRequestTooLarge, "the request is larger than the limit"
	case flags&^1 != 0:
		return connect.CodeInvalidArgument, ReasonMalformedEnvelope, "unknown message envelope flags"
	case flags == 1 && (encoding == "" || encoding == "identity"):
		return connect.CodeInvalidArgument, ReasonMalformedEnvelope, "a compressed message without a message encoding"
	case length != int64(len(body)-envelopeHeader):
		return connect.CodeInvalidArgument, ReasonMalformedEnvelope, "the message length does not match the body (a unary call carries one message)"
	}
	return 0, "", ""
}
