package search

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
)

// A search page token is the sort key of the previous page's last hit,
// bound to the search it came from: a token of another query, filter or
// order names a position in another list.

const maxSortValue = 128 // bytes of one sort key value (two numbers and a product id)

// fingerprint identifies a search's query, filters and order.
func fingerprint(q Query) [8]byte {
	var lo, hi string
	if q.MinPrice != nil {
		lo = strconv.FormatInt(*q.MinPrice, 10)
	}
	if q.MaxPrice != nil {
		hi = strconv.FormatInt(*q.MaxPrice, 10)
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%q|%q|%s|%s|%t|%d", q.Words, q.Category, lo, hi, q.InStockOnly, q.Order))
	return [8]byte(sum[:8])
}

func encodePageToken(q Query, after []string) string {
	fp := fingerprint(q)
	data, _ := json.Marshal(after) // strings always marshal
	return base64.RawURLEncoding.EncodeToString(append(fp[:], data...))
}

// decodePageToken is the sort key a token names for q (nil for none).
func decodePageToken(raw string, q Query) ([]string, error) {
	if raw == "" {
		return nil, nil
	}
	data, err := base64.RawURLEncoding.DecodeString(raw)
	fp := fingerprint(q)
	if err != nil || len(data) < len(fp) || [8]byte(data[:8]) != fp {
		return nil, errBadPageToken()
	}
	var after []string
	if json.Unmarshal(data[8:], &after) != nil || len(after) != len(sortFields(q.Order)) {
		return nil, errBadPageToken()
	}
	for i, v := range after {
		if len(v) > maxSortValue {
			return nil, errBadPageToken()
		}
		if sortFields(q.Order)[i] == "-_score" {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return nil, errBadPageToken()
			}
		}
	}
	return after, nil
}
