// Reads status list bits with Digital Bazaar's @digitalbazaar/bitstring (as their
// vc-bitstring-status-list does): index 0 is the leftmost bit of byte 0.
// usage: node bits.mjs [--size N] ENCODED_LIST INDEX...
// ENCODED_LIST is the credential's encodedList ('u' multibase prefix or not).
// With --size N (statusSize), entry i is the N bits from bit i*N, most significant
// first (Bitstring Status List v1.0 §3.2), each read with bitstring.get().
// Prints {"length": bits, "values": {index: value}} as one JSON line.
import {Bitstring} from '@digitalbazaar/bitstring';

const args = process.argv.slice(2);
let size = 1;
if(args[0] === '--size') {
  size = Number(args[1]);
  args.splice(0, 2);
}
const [encodedList, ...indexes] = args;
if(!encodedList || !Number.isInteger(size) || size < 1) {
  process.stderr.write('usage: node bits.mjs [--size N] ENCODED_LIST INDEX...\n');
  process.exit(2);
}
const encoded = encodedList.startsWith('u') ? encodedList.slice(1) : encodedList;
const buffer = await Bitstring.decodeBits({encoded});
const bitstring = new Bitstring({buffer});
const values = {};
for(const index of indexes) {
  let value = 0;
  for(let bit = 0; bit < size; ++bit) {
    value = value * 2 + (bitstring.get(Number(index) * size + bit) ? 1 : 0);
  }
  values[index] = value;
}
process.stdout.write(JSON.stringify({length: buffer.length * 8, values}) + '\n');
