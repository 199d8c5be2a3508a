package forkline

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

// ID is a time-ordered, globally unique identifier: a UUID version 7
// (RFC 9562) in its canonical text form. IDs from several plants can meet in
// one enterprise database without collisions, and sort by creation time.
type ID = string

// IDGenerator makes UUIDv7 identifiers that increase strictly within one
// process, even within one millisecond (RFC 9562 section 6.2, method 3).
type IDGenerator struct {
	mu   sync.Mutex
	last [16]byte
	now  func() time.Time
}

// NewIDGenerator returns a generator reading the clock now.
func NewIDGenerator(now func() time.Time) *IDGenerator {
	return &IDGenerator{now: now}
}

// New returns a new ID.
func (g *IDGenerator) New() ID {
	var b [16]byte
	_, _ = rand.Read(b[6:])
	ms := uint64(g.now().UnixMilli())
	g.mu.Lock()
	lastMs := binary.BigEndian.Uint64(append([]byte{0, 0}, g.last[:6]...))
	if ms <= lastMs {
		// Same or earlier millisecond: continue from the last ID, plus one.
		b = g.last
		for i := 15; i >= 6; i-- {
			b[i]++
			if b[i] != 0 {
				break
			}
		}
		ms = lastMs
	}
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = 0x70 | b[6]&0x0f // version 7
	b[8] = 0x80 | b[8]&0x3f // variant 10
	g.last = b
	g.mu.Unlock()
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// ValidID reports whether s has the canonical form of an ID.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}
