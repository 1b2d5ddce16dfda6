package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/logging"
	"mall/services/platform/rpcerr"
	"mall/services/platform/server"
	"mall/services/platform/telemetry"
)

// tinyProducts answers GetProduct with a few bytes, or with a domain error
// for "sold-out": the shape of the flash sale's Purchase once sold out.
type tinyProducts struct {
	productv1connect.UnimplementedProductServiceHandler
}

func (tinyProducts) GetProduct(_ context.Context, req *connect.Request[productv1.GetProductRequest]) (*connect.Response[productv1.GetProductResponse], error) {
	if req.Msg.GetProductId() == "sold-out" {
		return nil, rpcerr.New(connect.CodeFailedPrecondition, "SOLD_OUT", "sold out")
	}
	return connect.NewResponse(&productv1.GetProductResponse{Product: &productv1.Product{ProductId: req.Msg.GetProductId()}}), nil
}

// BenchmarkSmallUnaryCall measures the fixed cost the server adds to a
// tiny unary RPC: the whole handler chain as production builds it (tracer
// provider with no exporter, authentication, CORS, access log buffered to a file),
// called over Connect JSON without a socket.
func BenchmarkSmallUnaryCall(b *testing.B) {
	if _, err := telemetry.Setup(context.Background(), "bench"); err != nil {
		b.Fatal(err)
	}
	keys, err := auth.GenerateKeys()
	if err != nil {
		b.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(b.TempDir(), "access.log"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = logFile.Close() })
	logger, closeLog, err := logging.NewBuffered(logFile, "info")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = closeLog() })
	srv := server.New(server.Options{
		Logger:        logger,
		Authenticator: auth.NewAuthenticator(keys, nil),
		CORSOrigins:   []string{"https://shop.example"},
	})
	srv.Mount(productv1connect.NewProductServiceHandler(tinyProducts{}, srv.HandlerOptions()...))
	handler := srv.Handler()

	for _, c := range []struct{ name, body string }{
		{"ok", `{"productId":"p0001"}`},
		{"failed_precondition", `{"productId":"sold-out"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			// CPU time, GC included, is what a saturated server runs out
			// of; on a shared machine it also varies less than wall time.
			cpuBefore := processCPU(b)
			b.Cleanup(func() { b.ReportMetric(float64(processCPU(b)-cpuBefore)/float64(b.N), "cpu-ns/op") })
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodPost, productv1connect.ProductServiceGetProductProcedure, strings.NewReader(c.body))
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					handler.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
						b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
					}
				}
			})
		})
	}
}

// processCPU is the CPU time the process has used so far, in nanoseconds.
func processCPU(b *testing.B) int64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		b.Fatal(err)
	}
	return usage.Utime.Nano() + usage.Stime.Nano()
}
