package accesslink

import "encoding/binary"

// fitRecordMesg is the FIT global message number of record (a sample).
const fitRecordMesg = 20

// fitRecordCount counts the record messages of a FIT file from its
// structure alone (headers and definitions; no field is decoded), so
// that the series can be sized before the one decoding pass. It returns
// 0 for a file it cannot walk; the decoder then reports what is wrong,
// and the series grow as they fill.
func fitRecordCount(data []byte) int {
	if len(data) < 12 {
		return 0
	}
	head := int(data[0])
	end := head + int(binary.LittleEndian.Uint32(data[4:8]))
	if head < 12 || end > len(data) {
		return 0
	}
	type definition struct {
		global uint16
		size   int
		ok     bool
	}
	var defs [16]definition
	count := 0
	for i := head; i < end; {
		h := data[i]
		i++
		var local byte
		switch {
		case h&0x80 != 0: // compressed timestamp header: a data message
			local = (h >> 5) & 0x03
		case h&0x40 != 0: // definition message
			if i+5 > end {
				return 0
			}
			d := definition{global: binary.LittleEndian.Uint16(data[i+2:]), ok: true}
			if data[i+1] == 1 { // big-endian architecture
				d.global = binary.BigEndian.Uint16(data[i+2:])
			}
			n := int(data[i+4])
			i += 5
			if i+3*n > end {
				return 0
			}
			for f := range n {
				d.size += int(data[i+3*f+1])
			}
			i += 3 * n
			if h&0x20 != 0 { // developer fields
				if i >= end {
					return 0
				}
				n := int(data[i])
				i++
				if i+3*n > end {
					return 0
				}
				for f := range n {
					d.size += int(data[i+3*f+1])
				}
				i += 3 * n
			}
			defs[h&0x0F] = d
			continue
		default:
			local = h & 0x0F
		}
		d := defs[local]
		if !d.ok || i+d.size > end {
			return 0
		}
		if d.global == fitRecordMesg {
			count++
		}
		i += d.size
	}
	return count
}
