state.get("k".repeat(2 * 1024 * 1024));
return "went on";
