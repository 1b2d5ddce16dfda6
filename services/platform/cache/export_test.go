package cache

// For the slot tests of package cache_test.
var (
	SlotOf       = slotOf
	CompanionKey = companionKey
)
