package search

import (
	"context"
	"strings"

	"connectrpc.com/connect"

	searchv1 "mall/gen/mall/search/v1"
)

const defaultSuggestions = 8

// SuggestSearches implements SearchService: the hot searches holding what
// was typed, then the titles of the best matching products, the last word
// completed as a prefix ("西湖龙" suggests "西湖龙井 …", "gre" "Green …").
func (s *Service) SuggestSearches(ctx context.Context, request *connect.Request[searchv1.SuggestSearchesRequest]) (*connect.Response[searchv1.SuggestSearchesResponse], error) {
	if !s.indexer.IsReady() {
		return nil, errIndexWarming()
	}
	limit := int(request.Msg.GetLimit())
	if limit == 0 {
		limit = defaultSuggestions
	}
	typed := normalize(request.Msg.GetPrefix())
	words := strings.Fields(typed)
	res := &searchv1.SuggestSearchesResponse{}
	seen := map[string]bool{}
	hot, err := s.hot.top(ctx)
	if err != nil {
		s.logger.Warn("hot searches unavailable for suggestions", "err", err)
	}
	for _, q := range hot {
		if len(res.Suggestions) == limit/2 {
			break
		}
		if strings.Contains(q, typed) && !seen[q] {
			seen[q] = true
			res.Suggestions = append(res.Suggestions, &searchv1.Suggestion{Text: q, Spans: spans(q, occurrences(q, typed)), Hot: true})
		}
	}
	words = completable(words)
	if len(words) == 0 {
		return connect.NewResponse(res), nil
	}
	found, err := s.indexer.engine.Find(Query{Words: words, TitlePrefix: true, Size: limit * 2})
	if err != nil && err != errNothingToSearch {
		return nil, err
	}
	for _, h := range found.Hits {
		card, ok := s.indexer.card(h.ID)
		if len(res.Suggestions) == limit || !ok {
			break
		}
		title := card.GetTitle()
		if seen[normalize(title)] {
			continue
		}
		seen[normalize(title)] = true
		res.Suggestions = append(res.Suggestions, &searchv1.Suggestion{Text: title, Spans: spans(title, h.TitleMatches)})
	}
	return connect.NewResponse(res), nil
}

// completable drops what cannot be completed cheaply: words with no letter
// or digit, and a last word of one Latin letter (it would expand to every
// indexed word starting with it; one Chinese character starts a few
// hundred pairs at most).
func completable(words []string) []string {
	var out []string
	for _, w := range words {
		if searchableRunes(w) > 0 {
			out = append(out, w)
		}
	}
	if n := len(out); n > 0 {
		last := []rune(out[n-1])
		if len(last) < minWordRunes && !isCJK(last[0]) {
			out = out[:n-1]
		}
	}
	return out
}

// occurrences are the byte ranges of sub in text.
func occurrences(text, sub string) [][2]int {
	var out [][2]int
	for at := 0; sub != ""; {
		i := strings.Index(text[at:], sub)
		if i < 0 {
			break
		}
		out = append(out, [2]int{at + i, at + i + len(sub)})
		at += i + len(sub)
	}
	return out
}
