import { areaList } from "@vant/area-data";
import { describe, expect, it } from "vitest";
import { areaChoices, pick, type AreaList } from "./area";

const empty = { province: "", city: "", district: "" };

describe("the area data", () => {
  it("lists a province's cities and a city's districts", () => {
    const c = areaChoices(areaList, { province: "浙江省", city: "杭州市", district: "" });
    expect(c.provinces).toContain("浙江省");
    expect(c.provinces.length).toBeGreaterThanOrEqual(31);
    expect(c.cities).toContain("宁波市");
    expect(c.cities).not.toContain("苏州市");
    expect(c.districts).toContain("西湖区");
    expect(c.districts).not.toContain("鼓楼区");
  });

  it("chooses a municipality's one city at once", () => {
    const a = pick(areaList, empty, "province", "北京市");
    expect(a).toEqual({ province: "北京市", city: "北京市", district: "" });
    expect(areaChoices(areaList, a).districts).toContain("朝阳区");
  });
});

// A small list in the package's shape.
const data: AreaList = {
  province_list: { "330000": "浙江省", "110000": "北京市" },
  city_list: { "330100": "杭州市", "330200": "宁波市", "110100": "北京市" },
  county_list: { "330106": "西湖区", "330102": "上城区", "330203": "海曙区", "110105": "朝阳区" },
};

describe("areaChoices", () => {
  it("lists each level under the one above, in code order", () => {
    expect(areaChoices(data, empty)).toEqual({ provinces: ["北京市", "浙江省"], cities: [], districts: [] });
    expect(areaChoices(data, { province: "浙江省", city: "杭州市", district: "" })).toEqual({
      provinces: ["北京市", "浙江省"],
      cities: ["杭州市", "宁波市"],
      districts: ["上城区", "西湖区"],
    });
  });

  it("keeps names the data does not have, so an old address edits unchanged", () => {
    const c = areaChoices(data, { province: "浙江", city: "杭州", district: "西湖" });
    expect(c.provinces).toEqual(["浙江", "北京市", "浙江省"]);
    expect(c.cities).toEqual(["杭州"]);
    expect(c.districts).toEqual(["西湖"]);
    const known = areaChoices(data, { province: "浙江省", city: "杭州市", district: "西湖新区" });
    expect(known.districts).toEqual(["西湖新区", "上城区", "西湖区"]);
  });
});

describe("pick", () => {
  it("clears the levels below a new choice", () => {
    const a = { province: "浙江省", city: "杭州市", district: "西湖区" };
    expect(pick(data, a, "city", "宁波市")).toEqual({ province: "浙江省", city: "宁波市", district: "海曙区" });
    expect(pick(data, a, "province", "浙江省")).toEqual({ province: "浙江省", city: "", district: "" });
    expect(pick(data, a, "district", "上城区")).toEqual({ province: "浙江省", city: "杭州市", district: "上城区" });
  });
  it("chooses the only city and the only district at once", () => {
    expect(pick(data, empty, "province", "北京市")).toEqual({ province: "北京市", city: "北京市", district: "朝阳区" });
  });
});
