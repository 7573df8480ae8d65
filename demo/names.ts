/**
 * Who Corner Coffee's customers are: mostly neighbours in Springfield, plus people who order
 * beans online from many countries. Names come in sets that belong together, each with the
 * time zones and locale such a customer is likely to have.
 */

export interface Culture {
  key: string;
  /** Share of the customer list, relative to the other cultures. */
  weight: number;
  /** `null` stands for a customer imported without a time zone (the business's zone applies). */
  zones: ReadonlyArray<string | null>;
  locale: string;
  first: readonly string[];
  last: readonly string[];
}

const NY = 'America/New_York';

// One culture per block with its names on one line each: easier to read than 600 lines of names.
// prettier-ignore
export const CULTURES: readonly Culture[] = [
  {
    key: 'us',
    weight: 70,
    zones: [NY, NY, NY, NY, NY, NY, null, null, 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Phoenix'],
    locale: 'en-US',
    first: ['Emma', 'Olivia', 'Liam', 'Noah', 'James', 'Ava', 'Mia', 'Ethan', 'Harper', 'Lucas', 'Grace', 'Henry', 'Chloe', 'Daniel', 'Zoe', 'Caleb', 'Nora', 'Owen', 'Hannah', 'Isaac', 'Marcus', 'Tamika', 'DeShawn', 'Abigail', 'Ruth'],
    last: ['Johnson', 'Williams', 'Brown', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor', 'Thomas', 'Moore', 'Martin', 'Clark', 'Lewis', 'Walker', 'Hall', 'Young', 'King', 'Wright', 'Baker', 'Carter', 'Greenberg', "O'Connor", 'Washington', 'Kowalski'],
  },
  {
    key: 'us-latino',
    weight: 18,
    zones: [NY, NY, NY, 'America/Chicago', 'America/Los_Angeles', 'America/Mexico_City', 'America/Bogota'],
    locale: 'es-US',
    first: ['Sofía', 'Mateo', 'Valentina', 'Diego', 'Camila', 'Santiago', 'Lucía', 'Alejandro', 'Isabella', 'Javier', 'Ximena', 'Luis'],
    last: ['García', 'Rodríguez', 'Martínez', 'Hernández', 'López', 'González', 'Pérez', 'Sánchez', 'Ramírez', 'Torres', 'Flores', 'Rivera'],
  },
  {
    key: 'canada',
    weight: 8,
    zones: ['America/Toronto', 'America/Toronto', 'America/Vancouver', 'America/Halifax', 'America/St_Johns'],
    locale: 'en-CA',
    first: ['Émilie', 'Olivier', 'Chloé', 'Félix', 'Léa', 'Gabriel', 'Megan', 'Ryan', 'Brooke', 'Connor'],
    last: ['Tremblay', 'Gagnon', 'Roy', 'Côté', 'Bouchard', 'Gauthier', 'MacDonald', 'Campbell', 'Fraser', 'Leblanc'],
  },
  {
    key: 'brazil',
    weight: 4,
    zones: ['America/Sao_Paulo'],
    locale: 'pt-BR',
    first: ['Ana', 'João', 'Beatriz', 'Pedro', 'Larissa', 'Gabriel', 'Mariana', 'Rafael'],
    last: ['Silva', 'Santos', 'Oliveira', 'Souza', 'Costa', 'Pereira', 'Almeida', 'Ferreira'],
  },
  {
    key: 'uk-ie',
    weight: 10,
    zones: ['Europe/London', 'Europe/London', 'Europe/Dublin'],
    locale: 'en-GB',
    first: ['Oliver', 'Amelia', 'George', 'Isla', 'Harry', 'Poppy', 'Jack', 'Freya', 'Siobhán', 'Aoife', 'Cian', 'Niamh'],
    last: ['Smith', 'Jones', 'Evans', 'Roberts', 'Murphy', "O'Brien", 'Kelly', 'Walsh', 'Hughes', 'Patel', 'Byrne'],
  },
  {
    key: 'france',
    weight: 5,
    zones: ['Europe/Paris', 'Europe/Brussels'],
    locale: 'fr-FR',
    first: ['Camille', 'Louis', 'Manon', 'Hugo', 'Inès', 'Jules', 'Élodie', 'Théo'],
    last: ['Dubois', 'Lefèvre', 'Moreau', 'Laurent', 'Girard', 'Bonnet', 'Mercier', 'Fontaine'],
  },
  {
    key: 'germany',
    weight: 5,
    zones: ['Europe/Berlin', 'Europe/Berlin', 'Europe/Vienna', 'Europe/Zurich'],
    locale: 'de-DE',
    first: ['Lukas', 'Hannah', 'Jonas', 'Lea', 'Felix', 'Marie', 'Paul', 'Sophie'],
    last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Wagner', 'Becker', 'Hoffmann'],
  },
  {
    key: 'spain',
    weight: 3,
    zones: ['Europe/Madrid'],
    locale: 'es-ES',
    first: ['Lucía', 'Pablo', 'Carmen', 'Álvaro', 'Marta', 'Javier'],
    last: ['Fernández', 'Ruiz', 'Jiménez', 'Moreno', 'Navarro', 'Romero'],
  },
  {
    key: 'nordic',
    weight: 3,
    zones: ['Europe/Stockholm', 'Europe/Oslo', 'Europe/Helsinki'],
    locale: 'sv-SE',
    first: ['Astrid', 'Erik', 'Ingrid', 'Lars', 'Freja', 'Nils', 'Saga', 'Oskar'],
    last: ['Lindqvist', 'Johansson', 'Andersson', 'Nilsson', 'Berg', 'Halvorsen', 'Virtanen'],
  },
  {
    key: 'poland',
    weight: 2,
    zones: ['Europe/Warsaw'],
    locale: 'pl-PL',
    first: ['Zofia', 'Jakub', 'Katarzyna', 'Piotr', 'Agnieszka', 'Tomasz'],
    last: ['Nowak', 'Wójcik', 'Kowalczyk', 'Mazur', 'Krawczyk', 'Zając'],
  },
  {
    key: 'turkey',
    weight: 2,
    zones: ['Europe/Istanbul'],
    locale: 'tr-TR',
    first: ['Elif', 'Mehmet', 'Zeynep', 'Emre', 'Ayşe', 'Can'],
    last: ['Yılmaz', 'Kaya', 'Demir', 'Şahin', 'Çelik', 'Öztürk'],
  },
  {
    key: 'west-africa',
    weight: 3,
    zones: ['Africa/Lagos', 'Africa/Accra'],
    locale: 'en-NG',
    first: ['Chinedu', 'Ngozi', 'Oluwaseun', 'Adaeze', 'Tunde', 'Funmilayo', 'Kwame', 'Ama'],
    last: ['Okafor', 'Adeyemi', 'Eze', 'Okonkwo', 'Balogun', 'Nwosu', 'Mensah', 'Asante'],
  },
  {
    key: 'east-africa',
    weight: 2,
    zones: ['Africa/Nairobi'],
    locale: 'en-KE',
    first: ['Wanjiru', 'Kamau', 'Achieng', 'Otieno', 'Njeri', 'Kiprop'],
    last: ['Mwangi', 'Ochieng', 'Kariuki', 'Njoroge', 'Kiptoo', 'Onyango'],
  },
  {
    key: 'gulf',
    weight: 2,
    zones: ['Asia/Dubai', 'Asia/Riyadh'],
    locale: 'en-AE',
    first: ['Omar', 'Layla', 'Yousef', 'Fatima', 'Khalid', 'Noor'],
    last: ['Al Mansouri', 'Haddad', 'Nasser', 'Khoury', 'Saleh', 'Rahman'],
  },
  {
    key: 'india',
    weight: 5,
    zones: ['Asia/Kolkata'],
    locale: 'en-IN',
    first: ['Aarav', 'Priya', 'Rohan', 'Ananya', 'Vikram', 'Kavya', 'Arjun', 'Meera'],
    last: ['Sharma', 'Iyer', 'Patel', 'Reddy', 'Nair', 'Gupta', 'Menon', 'Kapoor'],
  },
  {
    key: 'nepal',
    weight: 2,
    zones: ['Asia/Kathmandu'],
    locale: 'ne-NP',
    first: ['Aashish', 'Sita', 'Bikash', 'Pooja', 'Suman', 'Anjali'],
    last: ['Shrestha', 'Gurung', 'Thapa', 'Tamang', 'Rai', 'Adhikari'],
  },
  {
    key: 'japan',
    weight: 4,
    zones: ['Asia/Tokyo'],
    locale: 'ja-JP',
    first: ['Haruto', 'Yui', 'Sota', 'Aoi', 'Ren', 'Hina', 'Kenji', 'Sakura'],
    last: ['Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura'],
  },
  {
    key: 'korea',
    weight: 3,
    zones: ['Asia/Seoul'],
    locale: 'ko-KR',
    first: ['Min-jun', 'Seo-yeon', 'Ji-ho', 'Ha-eun', 'Do-yun', 'Ji-woo'],
    last: ['Kim', 'Lee', 'Park', 'Choi', 'Jung', 'Kang'],
  },
  {
    key: 'china',
    weight: 4,
    zones: ['Asia/Shanghai', 'Asia/Shanghai', 'Asia/Singapore', 'Asia/Hong_Kong'],
    locale: 'zh-CN',
    first: ['Wei', 'Mei', 'Jun', 'Xiu', 'Hao', 'Lin', 'Yan', 'Jie'],
    last: ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao'],
  },
  {
    key: 'southeast-asia',
    weight: 3,
    zones: ['Asia/Manila', 'Asia/Ho_Chi_Minh', 'Asia/Jakarta'],
    locale: 'en-PH',
    first: ['Angelica', 'Paolo', 'Kristine', 'Linh', 'Minh', 'Thảo', 'Putri', 'Budi'],
    last: ['Santos', 'Reyes', 'Bautista', 'Nguyễn', 'Trần', 'Phạm', 'Wijaya', 'Halim'],
  },
  {
    key: 'australia',
    weight: 6,
    zones: ['Australia/Sydney', 'Australia/Melbourne', 'Australia/Brisbane', 'Australia/Perth', 'Australia/Adelaide', 'Australia/Lord_Howe'],
    locale: 'en-AU',
    first: ['Charlotte', 'Jack', 'Matilda', 'William', 'Ruby', 'Lachlan', 'Isla', 'Cooper'],
    last: ['Smith', 'Nguyen', 'Kelly', 'Mitchell', 'Campbell', 'Stewart', 'Murray', 'Ryan'],
  },
  {
    key: 'new-zealand',
    weight: 3,
    zones: ['Pacific/Auckland', 'Pacific/Auckland', 'Pacific/Chatham'],
    locale: 'en-NZ',
    first: ['Aroha', 'Nikau', 'Mere', 'Tama', 'Olivia', 'Hemi', 'Ruby', 'Finn'],
    last: ['Ngata', 'Parata', 'Henare', 'Thompson', 'Reid', 'Kingi'],
  },
  {
    key: 'hawaii',
    weight: 1,
    zones: ['Pacific/Honolulu'],
    locale: 'en-US',
    first: ['Keoni', 'Leilani', 'Kai', 'Malia'],
    last: ['Kahale', 'Akana', 'Kealoha', 'Kamakana'],
  },
];

export function cultureFor(key: string): Culture {
  const found = CULTURES.find((c) => c.key === key);
  if (!found) throw new Error(`no culture "${key}"`);
  return found;
}

// prettier-ignore
export const FAVORITE_DRINKS = ['Oat flat white', 'Cortado', 'Cold brew', 'Chai latte', 'Double espresso', 'Matcha latte', 'Americano', 'Mocha', 'Pour-over', 'Cappuccino'] as const;
