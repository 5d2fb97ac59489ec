export * from "./meta.js";
export * from "./backup.js";
export * from "./backup-storage-location.js";
export * from "./volume-snapshot-location.js";
export * from "./delete-backup-request.js";
export * from "./restore.js";
export * from "./download-request.js";
export * from "./server-status-request.js";
