// Reads status list bits with Digital Bazaar's @digitalbazaar/bitstring (as their
// vc-bitstring-status-list does): index 0 is the leftmost bit of byte 0.
// usage: node bits.mjs ENCODED_LIST INDEX...
// ENCODED_LIST is the credential's encodedList ('u' multibase prefix or not).
// Prints {"length": bits, "values": {index: 0|1}} as one JSON line.
import {Bitstring} from '@digitalbazaar/bitstring';

const [encodedList, ...indexes] = process.argv.slice(2);
if(!encodedList) {
  process.stderr.write('usage: node bits.mjs ENCODED_LIST INDEX...\n');
  process.exit(2);
}
const encoded = encodedList.startsWith('u') ? encodedList.slice(1) : encodedList;
const buffer = await Bitstring.decodeBits({encoded});
const bitstring = new Bitstring({buffer});
const values = {};
for(const index of indexes) {
  values[index] = bitstring.get(Number(index)) ? 1 : 0;
}
process.stdout.write(JSON.stringify({length: buffer.length * 8, values}) + '\n');
