package search

import (
	"strconv"

	"connectrpc.com/connect"

	"mall/services/platform/rpcerr"
)

// Reasons the search service gives in its errors' ErrorInfo.
const (
	// The query has no word long enough to search by (one Chinese
	// character, one letter, only English stop words); metadata
	// min_characters.
	ReasonQueryTooShort = "QUERY_TOO_SHORT"
	// This process's index is still reading the catalog; try again soon.
	ReasonIndexWarming = "SEARCH_INDEX_WARMING"
	ReasonBadPageToken = "BAD_PAGE_TOKEN"
)

func errQueryTooShort() error {
	return rpcerr.NewWithMetadata(connect.CodeInvalidArgument, ReasonQueryTooShort,
		"type more: a word needs at least "+strconv.Itoa(minWordRunes)+" characters to search by",
		map[string]string{"min_characters": strconv.Itoa(minWordRunes)})
}

func errIndexWarming() error {
	return rpcerr.New(connect.CodeUnavailable, ReasonIndexWarming, "search is starting; try again in a moment")
}

func errBadPageToken() error {
	return rpcerr.New(connect.CodeInvalidArgument, ReasonBadPageToken, "page_token is not valid for this search")
}
