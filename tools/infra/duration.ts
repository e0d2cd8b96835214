/**
 * The two duration notations the deployment mixes: ISO 8601 in ARM/Bicep (`PT1M`, `P14D`) and .NET TimeSpan in
 * host.json (`00:05:00`, `1.00:00:00`). Both to milliseconds so they can be compared; anything else is refused.
 */
export function isoDurationMs(text: string): number {
    const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
    if (!m || text === 'P' || text.endsWith('T')) throw new Error(`not an ISO 8601 duration: '${text}'`);
    const [, d, h, min, s] = m;
    return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
}

export function timeSpanMs(text: string): number {
    const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text);
    if (!m) throw new Error(`not a TimeSpan (d.hh:mm:ss): '${text}'`);
    const [, d, h, min, s, fraction] = m;
    if (Number(min) > 59 || Number(s) > 59) throw new Error(`not a TimeSpan (d.hh:mm:ss): '${text}'`);
    const ms = fraction ? Number(`0.${fraction}`) * 1000 : 0;
    return ((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Number(s) * 1000 + ms;
}
