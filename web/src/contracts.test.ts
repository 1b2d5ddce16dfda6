import { getOption, hasOption } from "@bufbuild/protobuf";
import { field as fieldRules, file_buf_validate_validate, predefined, StringRulesSchema } from "@gen/buf/validate/validate_pb.js";
import { RegisterRequestSchema } from "@gen/mall/user/v1/user_pb.js";
import { describe, expect, it } from "vitest";

// vite.config.ts trims the CEL definitions of the standard rules from the
// embedded buf/validate descriptor (tests load the code as the build does).
describe("the contracts as the SPA loads them", () => {
  it("keep the rules' messages and fields but not their CEL definitions", () => {
    const minLen = StringRulesSchema.fields.find((f) => f.name === "min_len");
    expect(minLen?.number).toBe(2);
    let fields = 0;
    for (const message of file_buf_validate_validate.messages) {
      for (const f of message.fields) {
        fields++;
        expect(hasOption(f, predefined), `${message.typeName}.${f.name}`).toBe(false);
      }
    }
    expect(fields).toBeGreaterThan(100);
  });

  it("keep the mall's own rules", () => {
    const password = RegisterRequestSchema.fields.find((f) => f.name === "password");
    if (!password) throw new Error("RegisterRequest.password missing");
    const rules = getOption(password, fieldRules);
    expect(rules.type.case).toBe("string");
    expect(rules.type.case === "string" && rules.type.value.minLen).toBe(8n);
  });
});
