import { getOption, type DescMessage } from "@bufbuild/protobuf";
import { field as fieldRulesOption, type FieldRules } from "@gen/buf/validate/validate_pb.js";
import { CreateReviewRequestSchema, UploadReviewImageRequestSchema } from "@gen/mall/review/v1/review_pb.js";

// The review form's picture limits, read from the contract (the rules the
// services enforce), so the form refuses a file before sending it and
// says the same numbers the services would.

function rulesOf(message: DescMessage, name: string): FieldRules["type"] {
  const f = message.fields.find((x) => x.name === name);
  if (!f) throw new Error(`${message.typeName} has no field ${name}`);
  return getOption(f, fieldRulesOption).type;
}

function contractLimit(what: string, value: bigint | undefined): number {
  if (value === undefined || value <= 0n) throw new Error(`the contract sets no ${what}`);
  return Number(value);
}

const ids = rulesOf(CreateReviewRequestSchema, "image_ids");
const data = rulesOf(UploadReviewImageRequestSchema, "data");

// maxPictures is how many pictures one review may have
// (CreateReviewRequest.image_ids max_items).
export const maxPictures = contractLimit("image_ids max_items", ids.case === "repeated" ? ids.value.maxItems : undefined);

// maxPictureBytes is the largest file UploadReviewImage takes
// (UploadReviewImageRequest.data max_len).
export const maxPictureBytes = contractLimit("data max_len", data.case === "bytes" ? data.value.maxLen : undefined);

// The types the services take, as the file input offers them.
export const pictureTypes = "image/jpeg,image/png,image/webp";

// sizeText is a byte count as the form words a limit: whole KB (KiB), or
// MB from 1024 KB on.
export function sizeText(bytes: number): string {
  const kib = bytes / 1024;
  return kib >= 1024 ? `${+(kib / 1024).toFixed(1)} MB` : `${Math.floor(kib)} KB`;
}

export type PictureRefusal = "tooBig" | "empty" | "type";

// startsWith says whether bytes begins with the signature sig.
function startsWith(bytes: Uint8Array, sig: number[], at = 0): boolean {
  return bytes.length >= at + sig.length && sig.every((b, i) => bytes[at + i] === b);
}

const jpeg = [0xff, 0xd8, 0xff];
const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const riff = [0x52, 0x49, 0x46, 0x46]; // "RIFF"
const webp = [0x57, 0x45, 0x42, 0x50]; // "WEBP"

// refusePictureSize says why a file of `size` bytes cannot be a review
// picture, before it is read; null when its size is fine.
export function refusePictureSize(size: number): PictureRefusal | null {
  if (size === 0) return "empty";
  if (size > maxPictureBytes) return "tooBig";
  return null;
}

// refusePicture says why a file cannot be a review picture, or null: too
// big, or not a JPEG, PNG or WebP by its first bytes (as the services
// recognise them; a file's name or declared type says nothing). Whether it
// is whole and small enough in pixels only the services check.
export function refusePicture(bytes: Uint8Array): PictureRefusal | null {
  const bySize = refusePictureSize(bytes.length);
  if (bySize) return bySize;
  if (startsWith(bytes, jpeg) || startsWith(bytes, png) || (startsWith(bytes, riff) && startsWith(bytes, webp, 8))) return null;
  return "type";
}

// roomFor is how many of `chosen` files fit beside `held` pictures.
export function roomFor(held: number, chosen: number): number {
  return Math.max(0, Math.min(chosen, maxPictures - held));
}
