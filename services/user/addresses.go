package user

import (
	"context"
	"slices"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/valkey-io/valkey-go"
	"google.golang.org/protobuf/proto"

	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/cache"
	"mall/services/platform/db"
	"mall/services/platform/rpcerr"
)

// A user has at most one default address, and exactly one while they have
// any: every change runs in a transaction that first locks the user's row,
// so concurrent changes of one user's addresses apply one at a time.

// CreateAddress adds an address of the caller's; the first one, or one
// asked to be, is the default.
func (s *Service) CreateAddress(ctx context.Context, req *connect.Request[userv1.CreateAddressRequest]) (*connect.Response[userv1.CreateAddressResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	row := &addressRow{ID: "a-" + uuid.NewString(), UserID: userID, CreatedAt: now, UpdatedAt: now}
	applyAddress(row, req.Msg.GetAddress())
	err = db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		if err := lockUser(ctx, tx, userID); err != nil {
			return err
		}
		count, err := countAddresses(ctx, tx, userID)
		if err != nil {
			return err
		}
		if count >= s.opts.MaxAddresses {
			return rpcerr.New(connect.CodeFailedPrecondition, ReasonTooManyAddresses, "address book is full")
		}
		row.IsDefault = req.Msg.GetMakeDefault() || count == 0
		if row.IsDefault {
			if err := clearDefault(ctx, tx, userID); err != nil {
				return err
			}
		}
		return insertAddress(ctx, tx, row)
	})
	if err != nil {
		return nil, err
	}
	s.afterAddressChange(ctx, userID)
	return connect.NewResponse(&userv1.CreateAddressResponse{Address: row.proto()}), nil
}

// UpdateAddress replaces the fields of an address of the caller's; its
// default flag stays.
func (s *Service) UpdateAddress(ctx context.Context, req *connect.Request[userv1.UpdateAddressRequest]) (*connect.Response[userv1.UpdateAddressResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	var row *addressRow
	err = db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if row, err = ownAddress(ctx, tx, userID, req.Msg.GetAddressId()); err != nil {
			return err
		}
		applyAddress(row, req.Msg.GetAddress())
		row.UpdatedAt = time.Now().UTC()
		return updateAddress(ctx, tx, row)
	})
	if err != nil {
		return nil, err
	}
	s.afterAddressChange(ctx, userID)
	return connect.NewResponse(&userv1.UpdateAddressResponse{Address: row.proto()}), nil
}

// DeleteAddress removes an address of the caller's; if it was the default,
// the most recent remaining one becomes the default.
func (s *Service) DeleteAddress(ctx context.Context, req *connect.Request[userv1.DeleteAddressRequest]) (*connect.Response[userv1.DeleteAddressResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	err = db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		if err := lockUser(ctx, tx, userID); err != nil {
			return err
		}
		row, err := ownAddress(ctx, tx, userID, req.Msg.GetAddressId())
		if err != nil {
			return err
		}
		if err := deleteAddress(ctx, tx, row); err != nil {
			return err
		}
		if !row.IsDefault {
			return nil
		}
		return promoteNewestAddress(ctx, tx, userID)
	})
	if err != nil {
		return nil, err
	}
	s.afterAddressChange(ctx, userID)
	return connect.NewResponse(&userv1.DeleteAddressResponse{}), nil
}

// SetDefaultAddress makes one address of the caller's the default and no
// other.
func (s *Service) SetDefaultAddress(ctx context.Context, req *connect.Request[userv1.SetDefaultAddressRequest]) (*connect.Response[userv1.SetDefaultAddressResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	var row *addressRow
	err = db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		if err := lockUser(ctx, tx, userID); err != nil {
			return err
		}
		var err error
		if row, err = ownAddress(ctx, tx, userID, req.Msg.GetAddressId()); err != nil {
			return err
		}
		if err := clearDefault(ctx, tx, userID); err != nil {
			return err
		}
		row.IsDefault, row.UpdatedAt = true, time.Now().UTC()
		return updateAddressDefault(ctx, tx, row)
	})
	if err != nil {
		return nil, err
	}
	s.afterAddressChange(ctx, userID)
	return connect.NewResponse(&userv1.SetDefaultAddressResponse{Address: row.proto()}), nil
}

// ListAddresses returns the caller's addresses, the default first, then
// newest first.
func (s *Service) ListAddresses(ctx context.Context, _ *connect.Request[userv1.ListAddressesRequest]) (*connect.Response[userv1.ListAddressesResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	book, err := s.addressBook(ctx, userID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.ListAddressesResponse{Addresses: book}), nil
}

// GetAddressInternal returns one of a user's addresses; an empty id means
// the default. It reads the cached address book: a flash-sale purchase
// resolves its buyer's address this way on the sale's hot path.
func (s *Service) GetAddressInternal(ctx context.Context, req *connect.Request[userv1.GetAddressInternalRequest]) (*connect.Response[userv1.GetAddressInternalResponse], error) {
	book, err := s.addressBook(ctx, req.Msg.GetUserId())
	if err != nil {
		return nil, err
	}
	a, err := findAddress(book, req.Msg.GetAddressId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.GetAddressInternalResponse{Address: a}), nil
}

// findAddress is the address addressID of a book, or its default for "".
func findAddress(book []*userv1.Address, addressID string) (*userv1.Address, error) {
	for _, a := range book {
		if (addressID == "" && a.GetIsDefault()) || (addressID != "" && a.GetAddressId() == addressID) {
			return a, nil
		}
	}
	return nil, errAddressNotFound()
}

// addressBook is every address of userID, default first, then newest
// first: one Valkey key per user, read through the client-side cache and
// invalidated after every change (afterAddressChange).
func (s *Service) addressBook(ctx context.Context, userID string) ([]*userv1.Address, error) {
	value, err := s.addressBooks.Get(ctx, addressBookKey(s.opts.KeyPrefix, userID), func(ctx context.Context) ([]byte, bool, error) {
		rows, err := selectAddresses(ctx, s.db, userID)
		if err != nil {
			return nil, false, err
		}
		book := &userv1.ListAddressesResponse{Addresses: make([]*userv1.Address, len(rows))}
		for i := range rows {
			book.Addresses[i] = rows[i].proto()
		}
		value, err := proto.Marshal(book)
		return value, err == nil, err
	})
	if err != nil {
		return nil, err
	}
	var book userv1.ListAddressesResponse
	if err := proto.Unmarshal(value, &book); err != nil {
		return nil, err
	}
	return book.GetAddresses(), nil
}

func addressBookKey(prefix, userID string) string {
	return prefix + "user:addresses:" + userID
}

// afterAddressChange drops the user's cached address book once a change
// committed. A failure is logged: the TTL bounds how long it stays stale.
func (s *Service) afterAddressChange(ctx context.Context, userID string) {
	if err := s.addressBooks.Invalidate(context.WithoutCancel(ctx), addressBookKey(s.opts.KeyPrefix, userID)); err != nil {
		s.logger.WarnContext(ctx, "address book cache invalidation failed", "user_id", userID, "err", err)
	}
}

// AddressReader resolves buyers' addresses for a service on a hot path
// (a flash-sale purchase) without a call: from the user service's cached
// address books in Valkey, read through this process's client-side cache,
// which the user service's invalidation after every change reaches. A
// book that is not cached is asked of the user service, which loads and
// caches it. The reader shares the user service's key prefix and Valkey.
type AddressReader struct {
	books  *cache.Aside
	prefix string
	users  userv1connect.UserServiceClient
}

// NewAddressReader reads the books the user service with opts caches in
// client, asking users on a miss.
func NewAddressReader(client valkey.Client, opts Options, users userv1connect.UserServiceClient) *AddressReader {
	return &AddressReader{users: users, prefix: opts.KeyPrefix,
		books: cache.NewAside(client, cache.AsideOptions{Name: "address_books", LocalTTL: opts.AddressLocalTTL})}
}

// Address returns userID's address addressID, or their default for "";
// not_found (ADDRESS_NOT_FOUND) when they have no such address, whoever's
// it is.
func (r *AddressReader) Address(ctx context.Context, userID, addressID string) (*userv1.Address, error) {
	if value, found, err := r.books.Peek(ctx, addressBookKey(r.prefix, userID)); err == nil && found {
		var book userv1.ListAddressesResponse
		if proto.Unmarshal(value, &book) == nil {
			return findAddress(book.GetAddresses(), addressID)
		}
	}
	res, err := r.users.GetAddressInternal(ctx, connect.NewRequest(&userv1.GetAddressInternalRequest{UserId: userID, AddressId: addressID}))
	if err != nil {
		return nil, err
	}
	return res.Msg.GetAddress(), nil
}

// SeedAddresses gives each of userIDs a default address ("a-<user id>"),
// written to the user database in bulk, before any service runs: the
// buyers of benchmarks and tests are minted tokens without accounts, and a
// flash-sale purchase needs an address. An address already there is kept.
func SeedAddresses(ctx context.Context, handle *bun.DB, userIDs []string) error {
	now := time.Now().UTC()
	for chunk := range slices.Chunk(userIDs, 2000) {
		rows := make([]addressRow, len(chunk))
		for i, id := range chunk {
			rows[i] = addressRow{ID: "a-" + id, UserID: id, RecipientName: "买家", Phone: "13700000000", Province: "江苏",
				City: "南京", Detail: "中山路 100 号 " + id, IsDefault: true, CreatedAt: now, UpdatedAt: now}
		}
		if err := insertAddressesIfAbsent(ctx, handle, rows); err != nil {
			return err
		}
	}
	return nil
}
