import { Route, Routes } from "react-router-dom";
import "./flash.css";
import { FlashDashboardPage } from "./FlashDashboard";
import { EditFlashPage, NewFlashPage } from "./FlashForm";
import { FlashListPage } from "./FlashList";

// FlashArea is the flash-sale desk under /admin/flash.
export default function FlashArea() {
  return (
    <Routes>
      <Route index element={<FlashListPage />} />
      <Route path="new" element={<NewFlashPage />} />
      <Route path=":eventId" element={<FlashDashboardPage />} />
      <Route path=":eventId/edit" element={<EditFlashPage />} />
    </Routes>
  );
}
