package app

import (
	"context"

	userv1 "mall/gen/mall/user/v1"
	"mall/services/platform/auth"
	"mall/services/platform/cache"
	"mall/services/platform/config"
	"mall/services/user"
)

// CreateAdmin adds an admin account to the user database (`mall admin
// create`): no token or running server is needed for the first one.
func CreateAdmin(ctx context.Context, cfg config.Config, username, password string) (*userv1.User, error) {
	handle, err := OpenDatabase(ctx, cfg, userDomain())
	if err != nil {
		return nil, err
	}
	defer handle.Close()
	return user.CreateAdmin(ctx, handle, username, password)
}

// SetPassword replaces an account's password and revokes its sessions
// everywhere (`mall admin set-password`).
func SetPassword(ctx context.Context, cfg config.Config, username, password string) error {
	handle, err := OpenDatabase(ctx, cfg, userDomain())
	if err != nil {
		return err
	}
	defer handle.Close()
	client, err := cache.Open(ctx, cfg.RedisAddr, cfg.RedisCluster)
	if err != nil {
		return err
	}
	defer client.Close()
	opts, err := userOptions(cfg)
	if err != nil {
		return err
	}
	return user.SetPassword(ctx, handle, auth.NewValkeyRevocations(client, revocationsPrefix(cfg)), opts.TokenTTL, username, password)
}

func userDomain() Domain {
	domains, _ := Select([]string{"user"})
	return domains[0]
}
