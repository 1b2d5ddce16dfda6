// China's provinces, cities and districts for the address form, in
// @vant/area-data's shape: three maps of 6-digit division code → name,
// where a city shares its province's first 2 digits and a district its
// city's first 4. The data itself is imported only by the picker, which is
// loaded when the form opens (components/AreaFields).
export interface AreaList {
  province_list: Record<string, string>;
  city_list: Record<string, string>;
  county_list: Record<string, string>;
}

export interface AddressArea {
  province: string;
  city: string;
  district: string;
}

// The names an address's fields can take, for the three pickers: each
// level lists what the data has under the level above, and keeps a name
// the data does not have (an address saved before the pickers, a renamed
// division) as the first choice, so that address still edits unchanged.
export interface AreaChoices {
  provinces: string[];
  cities: string[];
  districts: string[];
}

function codeOf(list: Record<string, string>, name: string, prefix: string): string | undefined {
  if (!name) return undefined;
  return Object.keys(list).find((code) => code.startsWith(prefix) && list[code] === name);
}

function namesUnder(list: Record<string, string>, prefix: string | undefined): string[] {
  if (prefix === undefined) return [];
  return Object.keys(list)
    .filter((code) => code.startsWith(prefix))
    .sort()
    .map((code) => list[code] ?? "");
}

function withCurrent(names: string[], current: string): string[] {
  return current && !names.includes(current) ? [current, ...names] : names;
}

export function areaChoices(data: AreaList, a: AddressArea): AreaChoices {
  const province = codeOf(data.province_list, a.province, "");
  const city = province ? codeOf(data.city_list, a.city, province.slice(0, 2)) : undefined;
  return {
    provinces: withCurrent(namesUnder(data.province_list, ""), a.province),
    cities: withCurrent(namesUnder(data.city_list, province?.slice(0, 2)), a.city),
    districts: withCurrent(namesUnder(data.county_list, city?.slice(0, 4)), a.district),
  };
}

// pick sets one level of an address's area: the levels below are cleared,
// unless the new choice has a single one below it (a municipality's one
// city, 北京市 → 北京市), which is chosen at once.
export function pick(data: AreaList, a: AddressArea, level: keyof AddressArea, name: string): AddressArea {
  if (level === "district") return { ...a, district: name };
  const next: AddressArea = level === "province" ? { province: name, city: "", district: "" } : { ...a, city: name, district: "" };
  if (level === "province") {
    const cities = areaChoices(data, next).cities;
    if (cities.length === 1) next.city = cities[0] ?? "";
  }
  const districts = areaChoices(data, next).districts;
  if (next.city && districts.length === 1) next.district = districts[0] ?? "";
  return next;
}
