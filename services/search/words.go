package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// minWordRunes is the shortest word the index can use: Chinese is indexed
// by pairs of characters, and a single letter matches nearly everything.
const minWordRunes = 2

// normalize folds full-width forms to half-width, lower-cases and collapses
// spaces, so "ＧＲＥＥＮ　Tea" and "green tea" are the same query.
func normalize(text string) string {
	return strings.Join(strings.Fields(strings.ToLower(width.Fold.String(text))), " ")
}

// maxWords is how many words a query is searched by: each is a clause run
// over every product holding it (28 common words cost about 15 times one
// word on 20 000 products), and words past the eighth rarely narrow.
const maxWords = 8

// usableWords are the normalized words of a query long enough to search
// by, each once and at most maxWords; shorter ones are left out, and a
// query of only those has none.
func usableWords(query string) []string {
	var words []string
	for _, w := range strings.Fields(normalize(query)) {
		if searchableRunes(w) >= minWordRunes && !slices.Contains(words, w) {
			words = append(words, w)
		}
		if len(words) == maxWords {
			break
		}
	}
	return words
}

// searchableRunes counts the letters and digits of a word.
func searchableRunes(word string) int {
	n := 0
	for _, r := range word {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// isCJK reports whether r is written without spaces between words
// (Chinese, Japanese kana, Korean).
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// phraseText joins words as they would stand in a title: Chinese words
// side by side without a space ("西湖 龙井" is the title's "西湖龙井"),
// others with one.
func phraseText(words []string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(words[i-1])
			first, _ := utf8.DecodeRuneInString(w)
			if !isCJK(prev) || !isCJK(first) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(w)
	}
	return b.String()
}
