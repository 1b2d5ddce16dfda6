import { create, createFileRegistry, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  file_google_protobuf_duration,
  type Duration,
} from "@bufbuild/protobuf/wkt";

// The two google.rpc error details the services attach (rpcerr.New,
// ratelimit.Exhausted), described here rather than generated: the SPA
// reads three fields of one and one of the other, and google/rpc is not
// among the contracts gen/ts holds. Fields left out are skipped when read.

// metadata holds facts a refusal gives besides its reason
// (rpcerr.NewWithMetadata), e.g. {limit: "99", current: "99"}.
export type ErrorInfo = Message<"google.rpc.ErrorInfo"> & { reason: string; domain: string; metadata: Record<string, string> };
export type RetryInfo = Message<"google.rpc.RetryInfo"> & { retryDelay?: Duration };

const { OPTIONAL, REPEATED } = FieldDescriptorProto_Label;
const { STRING } = FieldDescriptorProto_Type;
const registry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "google/rpc/error_details.proto",
    package: "google.rpc",
    dependency: ["google/protobuf/duration.proto"],
    syntax: "proto3",
    messageType: [
      {
        name: "ErrorInfo",
        field: [
          { name: "reason", number: 1, type: STRING, label: OPTIONAL, jsonName: "reason" },
          { name: "domain", number: 2, type: STRING, label: OPTIONAL, jsonName: "domain" },
          {
            name: "metadata",
            number: 3,
            type: FieldDescriptorProto_Type.MESSAGE,
            typeName: ".google.rpc.ErrorInfo.MetadataEntry",
            label: REPEATED,
            jsonName: "metadata",
          },
        ],
        // map<string, string> metadata, as protoc writes a map.
        nestedType: [
          {
            name: "MetadataEntry",
            field: [
              { name: "key", number: 1, type: STRING, label: OPTIONAL, jsonName: "key" },
              { name: "value", number: 2, type: STRING, label: OPTIONAL, jsonName: "value" },
            ],
            options: { mapEntry: true },
          },
        ],
      },
      {
        name: "RetryInfo",
        field: [
          {
            name: "retry_delay",
            number: 1,
            type: FieldDescriptorProto_Type.MESSAGE,
            typeName: ".google.protobuf.Duration",
            label: OPTIONAL,
            jsonName: "retryDelay",
          },
        ],
      },
    ],
  }),
  (name) => (name === file_google_protobuf_duration.proto.name ? file_google_protobuf_duration : undefined),
);

function message(typeName: string): DescMessage {
  const desc = registry.getMessage(typeName);
  if (!desc) throw new Error(`${typeName} missing from its own registry`);
  return desc;
}

export const ErrorInfoSchema = message("google.rpc.ErrorInfo") as GenMessage<ErrorInfo>;
export const RetryInfoSchema = message("google.rpc.RetryInfo") as GenMessage<RetryInfo>;
