export const DASHBOARDS: { uid: string }[] = [];
