package healthcheck

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
)

// Activities are the health check's activities.
type Activities struct{}

// Echo returns message with the task queue that ran it.
func (*Activities) Echo(ctx context.Context, message string) (Result, error) {
	return Result{Echo: message, TaskQueue: activity.GetInfo(ctx).TaskQueue, At: time.Now().UTC()}, nil
}
