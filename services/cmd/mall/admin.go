package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"mall/services/app"
	"mall/services/user"
)

// adminPasswordEnv is where `mall admin` reads a password from first; the
// first line of stdin is the other way to give it (never a flag, which
// would show in the process list and the shell's history).
const adminPasswordEnv = "MALL_ADMIN_PASSWORD"

// adminCommand manages accounts from the operator's side: the first admin
// of a production deployment, and password resets.
func (c *cli) adminCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Create admin accounts and reset passwords (the password comes from " + adminPasswordEnv + " or stdin)",
	}
	var username string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an admin account; refuses a weak password or a username in use",
		Long: `Creates an admin account in the user database. The password is read from
` + adminPasswordEnv + `, or else from the first line of stdin; it must have at least
12 characters with a letter and a digit. A username in use is an error and
changes nothing. Example:
  ` + adminPasswordEnv + `=... mall admin create --username ops`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			password, err := readAdminPassword(cmd)
			if err != nil {
				return err
			}
			created, err := app.CreateAdmin(cmd.Context(), c.cfg, username, password)
			if errors.Is(err, user.ErrAccountExists) {
				return fmt.Errorf("%w; to replace its password: mall admin set-password --username %s", err, username)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created admin %s (%s)\n", created.GetUsername(), created.GetUserId())
			return nil
		},
	}
	setPassword := &cobra.Command{
		Use:   "set-password",
		Short: "Replace an account's password and sign out all of its sessions",
		Long: `Replaces the password of the account with this username (the admin policy
applies: at least 12 characters with a letter and a digit) and revokes
every token issued before, on every process. The password is read from
` + adminPasswordEnv + `, or else from the first line of stdin.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			password, err := readAdminPassword(cmd)
			if err != nil {
				return err
			}
			if err := app.SetPassword(cmd.Context(), c.cfg, username, password); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "password of %s replaced; its sessions are signed out\n", username)
			return nil
		},
	}
	for _, sub := range []*cobra.Command{create, setPassword} {
		sub.Flags().StringVar(&username, "username", "", "the account's username")
		_ = sub.MarkFlagRequired("username")
		cmd.AddCommand(sub)
	}
	return cmd
}

// readAdminPassword returns MALL_ADMIN_PASSWORD, or the first line of stdin.
func readAdminPassword(cmd *cobra.Command) (string, error) {
	if password := os.Getenv(adminPasswordEnv); password != "" {
		return password, nil
	}
	if f, ok := cmd.InOrStdin().(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(cmd.ErrOrStderr(), "password (shown as typed; set "+adminPasswordEnv+" or pipe it to avoid that): ")
		}
	}
	line, err := bufio.NewReader(io.LimitReader(cmd.InOrStdin(), 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", errors.New("no password: set " + adminPasswordEnv + " or give it on the first line of stdin")
	}
	return password, nil
}
