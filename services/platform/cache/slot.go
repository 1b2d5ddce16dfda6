package cache

import (
	"strconv"
	"sync"
)

// A Valkey/Redis Cluster stores a key in one of 16384 hash slots; a script
// or transaction may only touch keys of one slot. The slot is CRC16 (XMODEM)
// of the key's hash tag (the text between its first '{' and the first '}'
// after it, when that is not empty), else of the whole key.

const clusterSlots = 16384

func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// hashTag is the part of key that decides its slot, and whether key has a
// hash tag at all.
func hashTag(key string) (string, bool) {
	for open := 0; open < len(key); open++ {
		if key[open] != '{' {
			continue
		}
		for end := open + 1; end < len(key); end++ {
			if key[end] == '}' {
				if end == open+1 {
					return key, false
				}
				return key[open+1 : end], true
			}
		}
		return key, false
	}
	return key, false
}

func slotOf(key string) uint16 {
	tag, _ := hashTag(key)
	return crc16(tag) % clusterSlots
}

// slotTags holds, for every slot, a short text whose CRC16 lands in it.
var slotTags = sync.OnceValue(func() []string {
	tags := make([]string, clusterSlots)
	for n, found := 0, 0; found < clusterSlots; n++ {
		tag := strconv.FormatInt(int64(n), 36)
		if slot := crc16(tag) % clusterSlots; tags[slot] == "" {
			tags[slot] = tag
			found++
		}
	}
	return tags
})

// companionKey names a key that lives beside key, in its cluster slot, so
// one script may use both: key+suffix when key has a hash tag (the suffix
// keeps it), else key+suffix behind a tag chosen for key's slot.
func companionKey(key, suffix string) string {
	if _, tagged := hashTag(key); tagged {
		return key + suffix
	}
	return "{" + slotTags()[slotOf(key)] + "}" + key + suffix
}
