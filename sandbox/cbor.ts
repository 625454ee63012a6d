// The subset of CBOR (RFC 8949) that Smithy RPCv2 CBOR clients send and read: numbers, strings, byte strings,
// arrays, maps, booleans, null, and tag 1 (epoch-seconds timestamps).

/** A timestamp to encode as CBOR tag 1; decoded tag-1 values come back as plain epoch seconds. */
export class EpochSeconds {
  constructor(readonly seconds: number) {}
}

/** A number to encode as a float even when it is whole (Smithy doubles such as CloudWatch's Threshold). */
export class Double {
  constructor(readonly value: number) {}
}

export function encodeCbor(value: unknown): Buffer {
  const out: Buffer[] = []
  const head = (major: number, n: number) => {
    if (n < 24) out.push(Buffer.from([(major << 5) | n]))
    else if (n < 0x100) out.push(Buffer.from([(major << 5) | 24, n]))
    else if (n < 0x10000) out.push(Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]))
    else if (n < 0x100000000) {
      const b = Buffer.alloc(5)
      b[0] = (major << 5) | 26
      b.writeUInt32BE(n, 1)
      out.push(b)
    } else {
      const b = Buffer.alloc(9)
      b[0] = (major << 5) | 27
      b.writeBigUInt64BE(BigInt(n), 1)
      out.push(b)
    }
  }
  const float = (v: number) => {
    const b = Buffer.alloc(9)
    b[0] = 0xfb
    b.writeDoubleBE(v, 1)
    out.push(b)
  }
  const write = (v: unknown): void => {
    if (v === null || v === undefined) out.push(Buffer.from([0xf6]))
    else if (v === true) out.push(Buffer.from([0xf5]))
    else if (v === false) out.push(Buffer.from([0xf4]))
    else if (v instanceof Double) float(v.value)
    else if (v instanceof EpochSeconds) {
      head(6, 1)
      write(v.seconds)
    } else if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) head(v >= 0 ? 0 : 1, v >= 0 ? v : -1 - v)
      else float(v)
    } else if (typeof v === 'string') {
      const b = Buffer.from(v, 'utf8')
      head(3, b.length)
      out.push(b)
    } else if (Buffer.isBuffer(v) || v instanceof Uint8Array) {
      head(2, v.length)
      out.push(Buffer.from(v))
    } else if (Array.isArray(v)) {
      head(4, v.length)
      v.forEach(write)
    } else if (typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined)
      head(5, entries.length)
      for (const [k, x] of entries) {
        write(k)
        write(x)
      }
    } else throw new Error(`cannot encode ${typeof v} as CBOR`)
  }
  write(value)
  return Buffer.concat(out)
}

const BREAK = Symbol('break')

export function decodeCbor(data: Buffer): unknown {
  let pos = 0
  const need = (n: number) => {
    if (pos + n > data.length) throw new Error('CBOR data ends early')
  }
  const arg = (info: number): number => {
    if (info < 24) return info
    const size = [1, 2, 4, 8][info - 24]
    if (size === undefined) throw new Error(`bad CBOR additional info ${info}`)
    need(size)
    const v = size === 1 ? data[pos] : size === 2 ? data.readUInt16BE(pos) : size === 4 ? data.readUInt32BE(pos) : Number(data.readBigUInt64BE(pos))
    pos += size
    return v
  }
  const chunks = (major: number, info: number): Buffer => {
    if (info !== 31) {
      const n = arg(info)
      need(n)
      pos += n
      return data.subarray(pos - n, pos)
    }
    const parts: Buffer[] = []
    for (;;) {
      const part = read()
      if (part === BREAK) return Buffer.concat(parts)
      parts.push(major === 3 ? Buffer.from(part as string) : (part as Buffer))
    }
  }
  const read = (): unknown => {
    need(1)
    const byte = data[pos++]
    const major = byte >> 5
    const info = byte & 0x1f
    switch (major) {
      case 0:
        return arg(info)
      case 1:
        return -1 - arg(info)
      case 2:
        return Buffer.from(chunks(2, info))
      case 3:
        return chunks(3, info).toString('utf8')
      case 4: {
        const list: unknown[] = []
        if (info === 31) for (let x = read(); x !== BREAK; x = read()) list.push(x)
        else for (let n = arg(info); n > 0; n--) list.push(read())
        return list
      }
      case 5: {
        const map: Record<string, unknown> = {}
        const entry = (k: unknown) => {
          map[String(k)] = read()
        }
        if (info === 31) for (let k = read(); k !== BREAK; k = read()) entry(k)
        else for (let n = arg(info); n > 0; n--) entry(read())
        return map
      }
      case 6: {
        arg(info)
        // Tag 1 (epoch seconds) and any other tag: the tagged value itself.
        return read()
      }
      default: {
        if (info === 20) return false
        if (info === 21) return true
        if (info === 22 || info === 23) return null
        if (info === 31) return BREAK
        if (info === 25) {
          need(2)
          pos += 2
          return half(data.readUInt16BE(pos - 2))
        }
        if (info === 26) {
          need(4)
          pos += 4
          return data.readFloatBE(pos - 4)
        }
        if (info === 27) {
          need(8)
          pos += 8
          return data.readDoubleBE(pos - 8)
        }
        throw new Error(`unsupported CBOR simple value ${info}`)
      }
    }
  }
  const value = read()
  if (pos !== data.length) throw new Error('trailing bytes after the CBOR value')
  return value
}

function half(bits: number): number {
  const exp = (bits >> 10) & 0x1f
  const mant = bits & 0x3ff
  const sign = bits & 0x8000 ? -1 : 1
  if (exp === 0) return sign * 2 ** -14 * (mant / 1024)
  if (exp === 31) return mant ? NaN : sign * Infinity
  return sign * 2 ** (exp - 15) * (1 + mant / 1024)
}
